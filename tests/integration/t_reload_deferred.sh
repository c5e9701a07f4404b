#!/bin/bash
# SPDX-License-Identifier: MIT
# A reload asked for while a job runs is deferred, and the policy taken when the job ends is
# the one validated when it was asked for: the file broken meanwhile is not re-read (before,
# the deferred reload re-read the file and rejected it, and the edit was lost).
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
# A slow reload (3 s), so that a job is running when the operator reloads.
sed -i "s|  reload = \[.*\];|  reload = [ \"/bin/sh\", \"-c\", \"sleep 3; exec /usr/sbin/nginx -e $T/nginx-error.log -c $T/nginx.conf -s reload\" ];|" "$T/certbind.conf"
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 10 sh -c "$CERTBINDCTL -s $T/ctl.sock --json status | grep -Eq '\"busy\" *: *true'" ||
	fail "no job started for the renumbering"
# The operator adds a site and reloads while the job runs...
sed -i 's|^} );$|}, { name = "extra"; address = "192.0.2.250"; port = 443; certificate = "'"$T"'/www.pem"; key = "'"$T"'/www.key"; } );|' "$T/certbind.conf"
ctl reload > "$T/reload.out" 2>&1 || fail "reload refused: $(cat "$T/reload.out")"
wait_for 5 log_has 'event=config-reload-deferred' || fail "the reload was not deferred"
# ...then breaks the file (an editor's half-written save) before the job ends.
echo 'this is not libconfig' >> "$T/certbind.conf"
wait_for 20 log_has 'event=config-reloaded .*sites=2' || fail "the validated policy was not taken"
log_has 'event=config-rejected' && fail "the deferred reload re-read the broken file"
wait_for 10 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' || fail "no rebind"
ctl status | grep -q '^extra ' || fail "the added site is not in the table: $(ctl status)"
pass
