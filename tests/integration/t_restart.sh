#!/bin/bash
# SPDX-License-Identifier: MIT
# After a rebind, a restart keeps the binding: no rewrite, no reload, still served.
. "$(dirname "$0")/lib.sh"
www_site rebind
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "not bound at start"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www' || fail "no rebind"
stop_certbindd
[ "$CB_STATUS" -eq 0 ] || fail "certbindd exited $CB_STATUS on SIGTERM"
log_has 'event=stopping' || fail "no stopping event"
m=$(mtime "$T/nginx/www.conf"); reloads=$(nginx_reloads); state_m=$(md5sum < "$T/state")
start_certbindd
wait_for 10 log_count_ge 2 'event=started' || fail "second start not logged"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "restart lost the binding"
[ "$(mtime "$T/nginx/www.conf")" = "$m" ] || fail "snippet rewritten at restart"
[ "$(nginx_reloads)" = "$reloads" ] || fail "nginx reloaded at restart"
[ "$(log_count 'event=rebind ')" -eq 1 ] || fail "rebound again at restart"
# The last event is still the rebind (kept in the state file), not "-".
ctl status | grep -Eq '^www .* rebind \(' || fail "the last event was lost at restart: $(ctl status)"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "not served"
pass
