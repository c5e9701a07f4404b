#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian package under a real systemd: installed with dpkg, it creates the certbind group
# and starts nothing (no policy yet); then the same first day as t_systemd_service.
. "$(dirname "$0")/systemd.inc"
sd_boot
sd_install_deb
sd getent group certbind >/dev/null || fail "the package did not create the certbind group"
[ "$(sd systemctl is-enabled certbindd)" = enabled ] || fail "the unit is not enabled"
[ "$(sd systemctl is-active certbindd)" != active ] || fail "the service started without a policy"
[ "$(sd systemctl show -p ConditionResult --value certbindd)" != yes ] || fail "the start condition held without a policy"
sd test -f /lib/systemd/system/certbindd.service.d/group.conf || fail "no Group=certbind drop-in"
for f in README.md examples/nginx.conf examples/apache.conf examples/haproxy.conf \
	 examples/certbind-rules.yml; do
	sd test -f "/usr/share/doc/certbind/$f" || fail "/usr/share/doc/certbind/$f not installed"
done
. "$(dirname "$0")/systemd_scenario.inc"
# Group access: the packaged unit runs with the certbind group; a user outside it is told
# which group to join, a member may use certbindctl.
sd useradd -M alice || fail "useradd"
[ "$(sd stat -c %G /run/certbind/control.sock)" = certbind ] || fail "the socket's group is not certbind"
out=$(sd runuser -u alice -- /usr/sbin/certbindctl status 2>&1) && fail "alice reached certbindd without the group"
echo "$out" | grep -q 'the group certbind: join it (sudo adduser $USER certbind)' ||
	fail "the refusal does not say how to get access: $out"
sd adduser -q alice certbind || fail "adduser alice certbind"
sd runuser -u alice -- /usr/sbin/certbindctl status >/dev/null || fail "alice, in the group, cannot use certbindctl"
# Purge: the state and the group go.
sd systemctl stop certbindd
sd dpkg --purge certbind > "$D/purge.log" 2>&1 || { cat "$D/purge.log"; fail "dpkg --purge"; }
sd test -e /var/lib/certbind && fail "purge left /var/lib/certbind"
sd getent group certbind >/dev/null && fail "purge left the certbind group"
echo "PASS: $TESTNAME"
