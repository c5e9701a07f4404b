#!/bin/bash
# SPDX-License-Identifier: MIT
# An operator's first day, in the natural order: certbindd is started before nginx includes
# the snippet. The snippet is written and stays (never rolled back to "no file");
# listener-missing says to include it; status says unverified, never bound; after the
# operator adds the include and reloads nginx, certbindd proves the site by itself (no
# command) and says so (event=verified), and only then status says bound.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind 'verify = { timeout_ms = 1000; };'
# nginx serves something else on port 80 only: nothing includes the snippet yet.
sed -i "s|  server { include $T/nginx/www.conf;|  server { listen 127.0.0.1:80;|" "$T/nginx.conf"
rm -f "$T/nginx/www.conf"
$NGINX -t -q || fail "nginx configuration invalid"
$NGINX -s reload
wait_for 10 sh -c "! ss -ltn | grep -q '192.0.2.200:443'" || fail "nginx still listens on the old configuration"
start_certbindd
wait_for 15 log_has "event=listener-missing site=www .*hint=\"the generated file is new: is it included in the server's configuration" ||
	fail "no listener-missing with the hint"
test -s "$T/nginx/www.conf" || fail "the snippet was rolled back to no file"
grep -q '^listen 192.0.2.200:443 ssl;$' "$T/nginx/www.conf" || fail "snippet: $(cat "$T/nginx/www.conf")"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +unverified ' || fail "status claims more than proven: $(ctl status)"
grep -q 'state = "unverified";' "$T/state" || fail "state file: $(cat "$T/state")"
# The operator includes it; nginx -t passes because the file is there.
sed -i "s|  server { listen 127.0.0.1:80;|  server { include $T/nginx/www.conf;|" "$T/nginx.conf"
$NGINX -t -q || fail "nginx -t fails after the include"
$NGINX -s reload
wait_for 20 log_has 'event=verified site=www endpoint=192\.0\.2\.200:443' || fail "not proven by itself after the include"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +bound ' || fail "status after the proof: $(ctl status)"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$WANT_FP" ] || fail "not served"
# And the loop works from there.
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' || fail "no rebind"
pass
