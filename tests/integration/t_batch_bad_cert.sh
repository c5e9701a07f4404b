#!/bin/bash
# SPDX-License-Identifier: MIT
# One site's certificate that fails the server's check never fails the others. 40 sites on
# one nginx; s7's certificate file becomes a valid leaf followed by a corrupt chain block
# (certbindd reads the leaf; `nginx -t` refuses the file). The /24 is renumbered at once:
# `nginx -t` names the file, s7 alone fails with nginx's words and is taken out of nginx
# (its old snippet names the same file), the 39 others are rebound after one more round,
# with no reload in the failed round. A good file put in its place (by rename, as ACME
# clients do) retries s7 at once. Then a bound site's file breaks while others move: it is
# taken out of nginx, the others go ahead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/batch.inc"
batch_world "$T/nginx-error.log"
{ cat "$T/www.pem"; printf -- '-----BEGIN CERTIFICATE-----\nMIIBbroken!!chain\n-----END CERTIFICATE-----\n'; } > "$T/certs/s7.new"
mv "$T/certs/s7.new" "$T/certs/s7.pem"
before=$(nginx_reloads)
batch_renumber
wait_for 60 log_has 'event=batch-isolated server=web' || fail "the batch was not narrowed down"
wait_idle
batch_good_bound 7
log_has 'event=batch-isolated server=web sites=40 failed=1 rounds=1$' ||
	fail "want one more round: $(grep batch-isolated "$T/syslog")"
log_has "event=rebind-failed site=s7 old=192\.0\.2\.7:443 new=198\.51\.100\.7:443 reason=\"configuration check failed: nginx: \[emerg\] cannot load certificate .*$T/certs/s7\.pem" ||
	fail "s7's failure does not carry nginx's words: $(grep 'rebind-failed' "$T/syslog" | head -2)"
[ "$(log_count 'event=rebind-failed site=s([0-689]|[1-4][0-9])\b')" -eq 0 ] || fail "other sites failed"
# The failed round never reached nginx: one reload for the 39.
[ $(( $(nginx_reloads) - before )) -eq 1 ] || fail "$(( $(nginx_reloads) - before )) reloads, want 1"
# s7 is taken out of nginx (its snippet says so), or nginx could never reload again.
disabled() { idle && grep -q '^# certbind: site s7 is disabled' "$T/nginx/s7.conf"; }
wait_for 10 disabled || fail "s7's snippet was not disabled: $(cat "$T/nginx/s7.conf")"
log_has 'event=rebind-failed site=s7 .* disabled=yes retry_in_s=1 hint=' || fail "s7's event does not say it is disabled"
# (While a retry runs it reads unbound, as any site in a rebind: between retries, failed.)
s7_failed() { ctl status | grep -qE '^s7 +192\.0\.2\.7:443 +failed'; }
wait_for 10 s7_failed || fail "s7 is not failed: $(ctl status | grep '^s7 ')"
# The operator fixes the file once s7's retries are 8 s apart: s7 goes again at once.
wait_for 30 log_has 'event=rebind-failed site=s7 .*retry_in_s=8 ' || fail "s7 is not retried with backoff"
retries=$(log_count 'event=rebind-failed site=s7 ')
cp "$T/www.pem" "$T/certs/s7.new" && mv "$T/certs/s7.new" "$T/certs/s7.pem"
wait_for 6 log_has 'event=rebind site=s7 old=192\.0\.2\.7:443 new=198\.51\.100\.7:443 ' ||
	fail "s7 was not retried after its certificate was replaced"
[ "$(served_fp 198.51.100.7 443)" = "$WANT_FP" ] || fail "198.51.100.7 not served"
note "s7 failed $retries time(s) before its certificate was fixed"
# A bystander: s30 stays where it is, but its certificate file breaks the same way; then
# s1-s8 are renumbered. nginx -t names s30's file: s30 is taken out, s1-s8 go ahead.
{ cat "$T/www.pem"; printf -- '-----BEGIN CERTIFICATE-----\nMIIBbroken!!chain\n-----END CERTIFICATE-----\n'; } > "$T/certs/s30.new"
mv "$T/certs/s30.new" "$T/certs/s30.pem"
wait_idle
for i in 1 2 3 4 5 6 7 8; do
	echo "addr del 198.51.100.$i/24 dev cb0"
	echo "addr add 203.0.113.$i/24 dev cb0"
done > "$T/renumber2"
ip -batch "$T/renumber2" || fail "ip -batch"
wait_for 30 log_count_ge 8 'event=rebind site=s[1-8] old=198\.51\.100\.[1-8]:443 new=203\.0\.113\.[1-8]:443 ' ||
	fail "a site was held back by s30's broken file: $(grep -c 'new=203' "$T/syslog") rebound"
log_has "event=render-failed site=s30 .*reason=\"configuration check failed: nginx: \[emerg\] cannot load certificate .*$T/certs/s30\.pem.* disabled=yes" ||
	fail "s30 was not taken out with nginx's words"
[ "$(served_fp 203.0.113.4 443)" = "$WANT_FP" ] || fail "203.0.113.4 not served"
# Not even one site is held hostage: s31's file breaks, then s9 alone moves.
{ cat "$T/www.pem"; printf -- '-----BEGIN CERTIFICATE-----\nMIIBbroken!!chain\n-----END CERTIFICATE-----\n'; } > "$T/certs/s31.new"
mv "$T/certs/s31.new" "$T/certs/s31.pem"
wait_idle
ip -batch - <<EOB || fail "ip -batch"
addr del 198.51.100.9/24 dev cb0
addr add 203.0.113.9/24 dev cb0
EOB
wait_for 30 log_has 'event=rebind site=s9 old=198\.51\.100\.9:443 new=203\.0\.113\.9:443 ' ||
	fail "s9, alone, was held back by s31's broken file: $(grep -E 'site=s(9|31) ' "$T/syslog" | tail -2)"
log_has "event=render-failed site=s31 .*cannot load certificate .*$T/certs/s31\.pem.* disabled=yes" ||
	fail "s31 was not taken out"
[ "$(served_fp 203.0.113.9 443)" = "$WANT_FP" ] || fail "203.0.113.9 not served"
pass
