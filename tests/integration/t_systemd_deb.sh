#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian package under a real systemd: installed with dpkg, it creates the certbind group
# and starts nothing (no policy yet); then the same first day as t_systemd_service.
. "$(dirname "$0")/systemd.inc"
deb=$(ls "$TOP"/build-deb/certbind_*_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
if [ -z "$deb" ]; then
	command -v dpkg-buildpackage >/dev/null || skip "no dpkg-buildpackage (make check installs it)"
	make -s -C "$TOP" deb >/dev/null 2>&1 || fail "make deb"
	deb=$(ls "$TOP"/build-deb/certbind_*_*.deb | grep -v dbgsym | head -n 1)
fi
sd_boot
cp "$deb" "$R/root/certbind.deb"   # /tmp inside is a tmpfs of its own
sd dpkg -i /root/certbind.deb > "$D/dpkg.log" 2>&1 || { cat "$D/dpkg.log"; fail "dpkg -i"; }
sd getent group certbind >/dev/null || fail "the package did not create the certbind group"
[ "$(sd systemctl is-enabled certbindd)" = enabled ] || fail "the unit is not enabled"
[ "$(sd systemctl is-active certbindd)" != active ] || fail "the service started without a policy"
[ "$(sd systemctl show -p ConditionResult --value certbindd)" != yes ] || fail "the start condition held without a policy"
PREFIX=/usr
. "$(dirname "$0")/systemd_scenario.inc"
echo "PASS: $TESTNAME"
