#!/bin/bash
# SPDX-License-Identifier: MIT
# Something else already serves another certificate on the new endpoint (nginx's reload
# cannot bind it, and still exits 0): verification fails and everything is rolled back.
. "$(dirname "$0")/lib.sh"
www_site rebind 'verify = { timeout_ms = 1500; };'
make_cert other other.example.test "DNS:other.example.test"
ip addr add 192.0.2.201/24 dev cb0
openssl s_server -quiet -accept 192.0.2.201:443 -cert "$T/other.pem" -key "$T/other.key" \
	-www > "$T/s_server.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 sh -c "ss -ltn | grep -q '192.0.2.201:443'" || fail "s_server did not listen"
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "not bound at start"
cp "$T/nginx/www.conf" "$T/www.conf.before"
ip addr del 192.0.2.200/24 dev cb0
wait_for 15 log_has 'event=rebind-failed site=www' || fail "no rebind-failed"
other=$(openssl x509 -in "$T/other.pem" -noout -fingerprint -sha256 | sed 's/.*=/SHA256:/')
log_has "event=rebind-failed site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 reason=\"verification of 192\.0\.2\.201:443 failed within 1500 ms: the endpoint serves another certificate \($other\)\" rollback=yes" ||
	fail "rebind-failed does not name the other certificate"
cmp -s "$T/nginx/www.conf" "$T/www.conf.before" || fail "snippet not restored"
grep -q 'address = "192.0.2.200";' "$T/state" || fail "state lost the old binding"
pass
