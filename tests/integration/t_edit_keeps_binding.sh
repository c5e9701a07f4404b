#!/bin/bash
# SPDX-License-Identifier: MIT
# An edit to a site keeps its live binding. After a proven rebind .200 -> .201, only
# reload_timeout_ms is edited and the policy reloaded: (a) with .200 back on the host, the
# site stays on .201 (not moved back); (b) with .200 gone again, no address-lost, no alert,
# no fake rebind. Only an edited address overrides the live binding.
. "$(dirname "$0")/lib.sh"
printf '#!/bin/sh\necho "$CERTBIND_EVENT" >> %s/alerts\n' "$T" > "$T/alert"
chmod +x "$T/alert"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind "alert = { command = [ \"$T/alert\" ]; };"
start_certbindd
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' || fail "no first rebind"
wait_idle
edit_and_reload() {   # edit_and_reload N: reload_timeout_ms = N, reload, wait for it
	sed -i "s|reload = \[|reload_timeout_ms = $1; reload = [|; s|reload_timeout_ms = [0-9]*; reload_timeout_ms|reload_timeout_ms|" "$T/certbind.conf"
	grep -q "reload_timeout_ms = $1;" "$T/certbind.conf" || fail "the edit did not take"
	local n=$(log_count 'event=config-reloaded')
	ctl reload >/dev/null || fail "reload refused"
	wait_for 10 log_count_ge $((n + 1)) 'event=config-reloaded' || fail "no config-reloaded"
	wait_idle
}
since_mark() { awk -v m="$1" 'found; index($0, m) {found = 1}' "$T/syslog"; }
# (a) the old address is back.
ip addr add 192.0.2.200/24 dev cb0
logger -t certbind-test "mark a"
edit_and_reload 9000
grep -q '^listen 192.0.2.201:443 ssl;$' "$T/nginx/www.conf" || fail "(a) the snippet moved back: $(cat "$T/nginx/www.conf")"
grep -q 'address = "192.0.2.201";' "$T/state" || fail "(a) the state moved"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "(a) status: $(ctl status)"
since_mark "mark a" | grep -Eq 'event=(rendered|rebind|address-lost)' && fail "(a) events after the edit: $(since_mark "mark a")"
# (b) the old address is gone again.
ip addr del 192.0.2.200/24 dev cb0
logger -t certbind-test "mark b"
edit_and_reload 8000
since_mark "mark b" | grep -Eq 'event=(rendered|rebind|address-lost|no-candidate)' && fail "(b) events after the edit: $(since_mark "mark b")"
[ ! -s "$T/alerts" ] || fail "(b) alert commands ran: $(cat "$T/alerts")"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "(b) status: $(ctl status)"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "(b) .201 not served"
# An edited address does override it.
sed -i 's|address = "192.0.2.200";|address = "192.0.2.201";|' "$T/certbind.conf"
edit_and_reload 7000
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "(c) status: $(ctl status)"
pass
