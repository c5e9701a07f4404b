#!/bin/bash
# SPDX-License-Identifier: MIT
# A check that times out names no site (it parses all of them): it runs again at once with
# four times the time it was given, and the rebind goes on. Here reload_timeout_ms is 1000 and
# the first check of the renumbering hangs for 30 s (a process group killed at its deadline): event=check-slow, the second check
# passes, the site is served on its new address with no rebind-failed and no narrowing.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
cat > "$T/hangcheck" <<EOS
#!/bin/sh
echo check >> "$T/checks"
if [ -e "$T/hang" ] && [ ! -e "$T/hung" ]; then touch "$T/hung"; exec sleep 29.7; fi
exec /usr/sbin/nginx -e "$T/nginx-error.log" -c "$T/nginx.conf" -t -q
EOS
chmod +x "$T/hangcheck"
sed -i "s|  reload = \[.*\];|  server = \"web\";|" "$T/certbind.conf"
sed -i "/^sites = (/i servers = ( { name = \"web\"; type = \"nginx\"; pid_file = \"$T/nginx.pid\"; reload_timeout_ms = 1000;\n  check = [ \"$T/hangcheck\" ]; } );" "$T/certbind.conf"
"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1 || fail "policy refused: $(cat "$T/check.out")"
start_certbindd
wait_for 20 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
touch "$T/hang"
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 30 log_has 'event=rebind(-failed)? site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no outcome for the renumbering"
log_has 'event=rebind-failed' && fail "the slow check failed the site: $(grep -m1 rebind-failed "$T/syslog")"
log_has 'event=check-slow server=web took_ms=[0-9]+ deadline_ms=[0-9]+ reason=' ||
	fail "no check-slow event: $(grep -m3 certbindd "$T/syslog")"
log_has 'event=batch-(failed|isolated)' && fail "a timeout was narrowed down"
[ -e "$T/hung" ] || fail "the hanging check never ran"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.201:443 does not serve the site"
pgrep -f "sleep 29.7" >/dev/null && fail "the timed-out check's process group is still there"
pass
