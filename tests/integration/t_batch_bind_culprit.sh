#!/bin/bash
# SPDX-License-Identifier: MIT
# One endpoint that cannot be bound never fails the others. 40 sites on one nginx; a foreign
# TLS listener holds 198.51.100.20:443; the /24 is renumbered at once. nginx refuses the
# reload ("bind() to 198.51.100.20:443 failed (98: ...)" in its error log): the 39 others
# are rebound and served after one more round, s20 alone fails with nginx's words and no
# false hint, and is retried with backoff until the listener goes; then it is bound too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/batch.inc"
batch_world "$T/nginx-error.log"
foreign_listener 198.51.100.20
cp "$T/nginx/s20.conf" "$T/s20.before"
batch_renumber
wait_for 60 log_has 'event=batch-isolated server=web' || fail "the batch was not narrowed down"
wait_idle
batch_good_bound 20
log_has 'event=batch-isolated server=web sites=40 failed=1 rounds=1$' ||
	fail "want one more round: $(grep batch-isolated "$T/syslog")"
log_has 'event=rebind-failed site=s20 old=192\.0\.2\.20:443 new=198\.51\.100\.20:443 reason="the server did not take the new configuration: [^"]*bind\(\) to 198\.51\.100\.20:443 failed \(98: Address already in use\)' ||
	fail "s20's failure does not carry nginx's words"
[ "$(log_count 'event=(rebind|render)-failed site=s([0-9]|1[0-9]|2[1-9]|3[0-9]|40) ')" -eq 0 ] ||
	fail "other sites failed: $(grep -E '(rebind|render)-failed' "$T/syslog" | grep -v 'site=s20 ' | head -3)"
log_has 'event=rebind-failed site=s20 .*hint=' && fail "a hint that is not true: $(grep 'rebind-failed site=s20' "$T/syslog")"
log_has 'event=rebind-failed site=s20 .*retry_in_s=1' || fail "no retry announced"
# Between attempts (a retry writes it for a moment), s20's snippet is as it was.
restored() { idle && cmp -s "$T/nginx/s20.conf" "$T/s20.before"; }
wait_for 10 restored || fail "s20's snippet was not restored byte for byte"
# It is retried with backoff (the listener still holds the address): quietly, and show says when.
wait_for 10 log_has 'event=rebind-failed site=s20 .*retry_in_s=2$' || fail "no retry after 1 s"
log_has 'event=rebind-failed site=s20 .*the server.s error log: \[emerg\] bind\(\) to 198\.51\.100\.20:443 failed' ||
	fail "a retry's failure does not say what nginx said"
ctl show s20 | grep -q '^next_retry_at ' || fail "show does not say when the next retry is due"
# Not bound: show says why, which event said so and when, and what comes next.
ctl show s20 | grep -q '^reason .*198\.51\.100\.20:443' || fail "show has no reason: $(ctl show s20)"
ctl show s20 | grep -q '^reason_event *rebind-failed$' || fail "show has no reason_event"
ctl show s20 | grep -q '^reason_at *20[0-9][0-9]-' || fail "show has no reason_at"
ctl show s20 | grep -q '^next *try again at 20[0-9-]*T.*backoff' || fail "show does not say what comes next: $(ctl show s20)"
[ "$(ctl --json show s20 | grep -o '"next_retry_at": *[0-9]*' | grep -c '[0-9]$')" -eq 1 ] ||
	fail "--json show has no next_retry_at"
kill "$FOREIGN"; wait "$FOREIGN" 2>/dev/null
wait_for 20 log_has 'event=rebind site=s20 old=192\.0\.2\.20:443 new=198\.51\.100\.20:443 ' ||
	fail "s20 was not retried once the address was free"
[ "$(served_fp 198.51.100.20 443)" = "$WANT_FP" ] || fail "198.51.100.20 not served by nginx"
ctl status | grep -qE '^s20 +198\.51\.100\.20:443 +bound' || fail "s20 not bound: $(ctl status | grep '^s20 ')"
pass
