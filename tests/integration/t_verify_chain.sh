#!/bin/bash
# SPDX-License-Identifier: MIT
# Proof like a client: with verify.ca_file the handshake must also show a chain that
# verifies against that CA for the address connected to (X509_check_ip), as a browser
# connecting by IP would. A rebind to an address the certificate names is proven; one to an
# address it does not name is refused with OpenSSL's words and rolled back.
. "$(dirname "$0")/lib.sh"
base_setup
ip addr add 192.0.2.200/24 dev cb0
# A CA of the test's own, and a leaf it signs for .200 and .201 (not .202).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=test-ca \
	-keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null || fail "CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=www.example.test \
	-keyout "$T/www.key" -out "$T/www.csr" 2>/dev/null || fail "CSR"
printf 'subjectAltName=DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201\n' > "$T/ext"
openssl x509 -req -in "$T/www.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 30 \
	-extfile "$T/ext" -out "$T/www.pem" 2>/dev/null || fail "leaf"
chmod 600 "$T/www.key"
NGINX_SITES="www" write_nginx_conf
printf 'listen 192.0.2.200:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$T/www.pem" "$T/www.key" > "$T/nginx/www.conf"
start_nginx
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
sites = ( {
  name = "www"; address = "192.0.2.200"; port = 443;
  certificate = "$T/www.pem"; key = "$T/www.key"; server_name = "www.example.test";
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { type = "nginx"; output = "$T/nginx/www.conf"; } );
  reload = $NGINX_RELOAD;
  verify = { timeout_ms = 1500; ca_file = "$T/ca.pem"; };
} );
EOC
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "not bound at start (chain for 192.0.2.200)"

ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind to 192.0.2.201"
echo | openssl s_client -connect 192.0.2.201:443 -verify_ip 192.0.2.201 -CAfile "$T/ca.pem" \
	-verify_return_error 2>/dev/null | grep -q 'Verify return code: 0 (ok)' ||
	fail "openssl s_client does not verify 192.0.2.201 either: the test proves nothing"

cp "$T/nginx/www.conf" "$T/www.before"
ip addr add 192.0.2.202/24 dev cb0
out=$(ctl rebind www 192.0.2.202 2>&1) && fail "rebind to an address the certificate does not name succeeded: $out"
log_has 'event=rebind-failed site=www old=192\.0\.2\.201:443 new=192\.0\.2\.202:443 reason=".*the served chain does not verify for 192\.0\.2\.202: IP address mismatch \(verify\.ca_file\)" rollback=yes' ||
	fail "no rebind-failed with the chain verification's words"
cmp -s "$T/nginx/www.conf" "$T/www.before" || fail "not rolled back"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "the old binding is not kept"

# verify.chain = true: the system trust store (here the test CA, bind-mounted over the
# bundle in this test's private mount namespace) decides the same way.
mount --bind "$T/ca.pem" /etc/ssl/certs/ca-certificates.crt || fail "cannot bind-mount the bundle"
sed -i "s|ca_file = \"$T/ca.pem\";|chain = true;|" "$T/certbind.conf"
ctl reload > /dev/null || fail "policy with verify.chain rejected"
wait_idle
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "not bound under verify.chain"
out=$(ctl rebind www 192.0.2.202 2>&1) && fail "verify.chain: rebind to 192.0.2.202 succeeded: $out"
log_has 'reason=".*the served chain does not verify for 192\.0\.2\.202: IP address mismatch \(system trust store\)"' ||
	fail "verify.chain: no rebind-failed naming the system trust store"
sed -i "s|chain = true;|ca_file = \"$T/ca.pem\";|" "$T/certbind.conf"

# A policy naming a CA file that is not there is refused with file:line.
sed -i "s|ca_file = \"$T/ca.pem\"|ca_file = \"$T/nope.pem\"|" "$T/certbind.conf"
out=$("$CERTBINDD" -t -c "$T/certbind.conf" 2>&1) && fail "a missing ca_file was accepted"
printf '%s\n' "$out" | grep -q "certbind.conf:[0-9]*: 'ca_file': \"$T/nope.pem\": No such file" ||
	fail "no file:line error for the missing ca_file: $out"
pass
