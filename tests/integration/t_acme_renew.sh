#!/bin/bash
# SPDX-License-Identifier: MIT
# Renewal without an address change (real nginx, pebble, uacme): the bound IP certificate
# comes within renew_before_s of expiry while certbindd runs; the timer at the threshold
# issues a new one, nginx is reloaded and the new fingerprint is proven served. Then
# certbindctl issue forces an attempt (exit 0: issued and proven).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
# The current certificate: valid, covering the address, and 6 s short of the threshold.
make_cert_until old "192.0.2.200" "IP:192.0.2.200" "$(utc_in $((86400 + 6)))"
mkdir -p "$T/acme/192.0.2.200" "$T/acme/private/192.0.2.200"
mv "$T/old.pem" "$T/acme/192.0.2.200/cert.pem"
mv "$T/old.key" "$T/acme/private/192.0.2.200/key.pem"
OLD_FP=$(acme_fp 192.0.2.200)
NGINX_SITES="www" write_nginx_conf
printf 'listen 192.0.2.200:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$T/acme/192.0.2.200/cert.pem" "$T/acme/private/192.0.2.200/key.pem" > "$T/nginx/www.conf"
start_nginx
pebble_start
pebble_root
acme_account
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
sites = ( {
  name = "www"; address = "192.0.2.200"; port = 443;
  certificate = "$T/acme/{{address}}/cert.pem"; key = "$T/acme/private/{{address}}/key.pem";
  issue = { command = $ISSUE_COMMAND; timeout_ms = 30000; renew_before_s = 86400; };
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { type = "nginx"; output = "$T/nginx/www.conf"; } );
  reload = $NGINX_RELOAD;
} );
EOC
start_certbindd
wait_for 10 sh -c "$CERTBINDCTL -s $T/ctl.sock status | grep -Eq '^www +192.0.2.200:443 +bound'" ||
	fail "not bound with the current certificate"
[ "$(served_fp 192.0.2.200 443)" = "$OLD_FP" ] || fail "not served with the current certificate"
log_has 'event=issued' && fail "issued although the certificate was not due"
r0=$(nginx_reloads)

# The threshold passes: renewed by the timer, no address change, no poll.
wait_for 30 log_has 'event=issued site=www address=192\.0\.2\.200 ' || fail "not renewed at the threshold"
NEW_FP=$(acme_fp 192.0.2.200)
[ "$NEW_FP" != "$OLD_FP" ] || fail "the certificate on disk is still the old one"
wait_for 15 sh -c "[ \"\$(echo | timeout 5 openssl s_client -connect 192.0.2.200:443 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//')\" = '$NEW_FP' ]" ||
	fail "the renewed certificate is not served"
[ $(( $(nginx_reloads) - r0 )) -ge 1 ] || fail "nginx was not reloaded for the renewed certificate"
wait_idle
ctl --json show www | grep -q "\"fingerprint\": *\"SHA256:$NEW_FP\"" || fail "show does not report the renewed certificate"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +bound' || fail "not bound after the renewal"
verifies_ip 192.0.2.200 || fail "the renewed chain does not verify for 192.0.2.200"
n=$(log_count 'event=issued site=www ')
[ "$n" -eq 1 ] || fail "$n issues for one renewal"

# certbindctl issue: an attempt now, told only when issued and proven.
out=$(ctl issue www 2>&1) || fail "certbindctl issue failed: $out"
printf '%s\n' "$out" | grep -q 'issued, bound and proven' || fail "certbindctl issue said: $out"
[ "$(log_count 'event=issued site=www ')" -eq 2 ] || fail "certbindctl issue did not issue"
out=$(ctl issue nosuch 2>&1); [ $? -eq 64 ] || fail "issue of an unknown site: not a usage error: $out"
pass
