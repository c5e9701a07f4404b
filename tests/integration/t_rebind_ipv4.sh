#!/bin/bash
# SPDX-License-Identifier: MIT
# The core scenario: a site bound to 192.0.2.200:443 in a real nginx; the host's address
# changes to 192.0.2.201; certbind rebinds, and the new endpoint serves the certificate.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +bound' || fail "status does not show www bound"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$WANT_FP" ] || fail "not served at start"

ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 fingerprint=SHA256:' ||
	fail "no rebind event in syslog"
log_has '^notice certbind\[[0-9]+\]: event=rebind ' || fail "rebind not logged at notice"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] ||
	fail "192.0.2.201:443 does not serve the site's certificate"
grep -q '^listen 192.0.2.201:443 ssl;$' "$T/nginx/www.conf" || fail "snippet not rewritten"
grep -q "ssl_certificate $T/www.pem;" "$T/nginx/www.conf" || fail "snippet lacks the certificate"
grep -Eq 'address = "192.0.2.201";' "$T/state" || fail "state file not updated"
ls -a "$T/nginx" | grep -q certbind- && fail "a temporary file was left behind"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "status does not show the new binding"
ctl --json show www | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["site"]["endpoint"]=="192.0.2.201:443", d' ||
	fail "show --json wrong"
log_has 'event=address-lost site=www' || fail "no address-lost event"
pass
