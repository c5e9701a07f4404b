#!/bin/bash
# SPDX-License-Identifier: MIT
# A server's check gets at least four times what its last check took, not only the fixed
# reload_timeout_ms: a large configuration's check on a loaded machine (10,000 nginx server
# blocks: 8 s quiet, over 10 s beside a kernel renumbering) must not fail every site. Here
# reload_timeout_ms is 3000, the first check takes 1.5 s and every later one 4 s: two
# renumberings both rebind and are served, and no check ever times out (a timed-out check
# is run again, event=check-slow: that must not be what saved them).
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
cat > "$T/slowcheck" <<EOS
#!/bin/sh
echo check >> "$T/checks"
if [ -e "$T/checked" ]; then sleep 4; else touch "$T/checked"; sleep 1.5; fi
exec /usr/sbin/nginx -e "$T/nginx-error.log" -c "$T/nginx.conf" -t -q
EOS
chmod +x "$T/slowcheck"
sed -i "s|  reload = \[.*\];|  server = \"web\";|" "$T/certbind.conf"
sed -i "/^sites = (/i servers = ( { name = \"web\"; type = \"nginx\"; pid_file = \"$T/nginx.pid\"; reload_timeout_ms = 3000;\n  check = [ \"$T/slowcheck\" ]; } );" "$T/certbind.conf"
"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1 || fail "policy refused: $(cat "$T/check.out")"
start_certbindd
wait_for 20 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 30 log_has 'event=rebind(-failed)? site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no outcome for the first renumbering"
log_has 'event=rebind-failed' && fail "first renumbering failed: $(grep -m1 rebind-failed "$T/syslog")"
ip addr add 192.0.2.200/24 dev cb0
ip addr del 192.0.2.201/24 dev cb0
wait_for 30 log_has 'event=rebind(-failed)? site=www old=192\.0\.2\.201:443 new=192\.0\.2\.200:443' ||
	fail "no outcome for the second renumbering"
log_has 'event=rebind-failed' && fail "a check timed out: $(grep -m1 rebind-failed "$T/syslog")"
log_has 'event=check-slow' && fail "a check timed out and ran again: $(grep -m1 check-slow "$T/syslog")"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.200:443 does not serve the site"
[ "$(grep -c check "$T/checks")" -ge 2 ] || fail "the slow check ran $(grep -c check "$T/checks") times, want 2 or more"
pass
