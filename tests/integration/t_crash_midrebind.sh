#!/bin/bash
# SPDX-License-Identifier: MIT
# A crash in the middle of a rebind: the reload is slow (3 s); the address moves .200 -> .201;
# while the reload runs, certbindd and the reload's process group are killed (as systemd does
# to a whole cgroup on a watchdog abort or an OOM kill). On disk the snippet already says
# .201, nginx still runs the .200 configuration, the state file says .200. After a restart
# the binding must be proven, not assumed from the files: certbindd reloads and .201 is served.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
printf '#!/bin/sh\necho $$ > %s/reload.pid\nsleep 3\nexec /usr/sbin/nginx -e %s/nginx-error.log -c %s/nginx.conf -s reload\n' \
	"$T" "$T" "$T" > "$T/slow-reload"
chmod +x "$T/slow-reload"
sed -i "s|reload = \[.*\];|reload = [ \"$T/slow-reload\" ];|" "$T/certbind.conf"
start_certbindd
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$WANT_FP" ] || fail "not served at start"
rm -f "$T/reload.pid"   # the start-up render (the hand-written snippet had no header)
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 10 test -s "$T/reload.pid" || fail "the rebind's reload did not start"
grep -q '^listen 192.0.2.201:443 ssl;$' "$T/nginx/www.conf" || fail "snippet not yet rewritten: the test proves nothing"
kill -KILL -- "$CB_PID" "-$(cat "$T/reload.pid")"
wait "$CB_PID" 2>/dev/null
grep -q 'address = "192.0.2.200";' "$T/state" || fail "the state file moved before any proof"
[ -z "$(served_fp 192.0.2.201 443 www.example.test)" ] || fail "nginx already serves .201: the test proves nothing"
rm -f "$T/reload.pid"
start_certbindd
wait_for 20 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind to .201 after the restart"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail ".201 not served after the restart"
test -s "$T/reload.pid" || fail "nginx was not reloaded after the restart"
log_has 'event=rebind-failed' && fail "a rebind failed on the way"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "status: $(ctl status)"
grep -q 'address = "192.0.2.201";' "$T/state" || fail "state file not at .201"
pass
