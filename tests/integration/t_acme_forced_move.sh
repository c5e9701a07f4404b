#!/bin/bash
# SPDX-License-Identifier: MIT
# certbindctl issue while the site is moving: the CA (pebble) is down when the site's
# address moves (.200 -> .201): issue-failed, backoff 60 s. The CA comes back; the operator
# forces an attempt: a certificate for the address the site is moving to is issued, the site
# is rebound and proven there, and certbindctl exits 0, long before the backoff would.
# time-limit: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
make_cert boot boot.example.test "DNS:boot.example.test"
NGINX_SITES="ip" write_nginx_conf
printf 'listen 192.0.2.200:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$T/boot.pem" "$T/boot.key" > "$T/nginx/ip.conf"
start_nginx
pebble_start
pebble_root
acme_account
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
sites = ( { name = "ip"; address = "192.0.2.200"; port = 443;
  certificate = "$T/acme/{{address}}/cert.pem"; key = "$T/acme/private/{{address}}/key.pem";
  issue = { command = $ISSUE_COMMAND; timeout_ms = 30000; backoff_min_s = 60; };
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { type = "nginx"; output = "$T/nginx/ip.conf"; } );
  reload = $NGINX_RELOAD;
  verify = { timeout_ms = 3000; ca_file = "$T/pebble-root.pem"; }; } );
EOC
start_certbindd
wait_for 30 sh -c "$CERTBINDCTL -s $T/ctl.sock status | grep -Eq '^ip +[^ ]+ +bound'" ||
	fail "not bound with its issued certificate at start"
pebble_stop
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 40 log_has 'event=issue-failed site=ip address=192\.0\.2\.201 reason=".+" retry_in_s=60' ||
	fail "no issue-failed with a 60 s backoff while pebble is down"
wait_idle
pebble_start
pebble_root
acme_account
out=$(ctl issue ip 2>&1); rc=$?
[ $rc -eq 0 ] || fail "certbindctl issue while moving: exit $rc: $out"
log_has 'event=issued site=ip address=192\.0\.2\.201 ' || fail "nothing issued for the new address"
log_has "event=rebind site=ip old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 fingerprint=SHA256:$(acme_fp 192.0.2.201)" ||
	fail "not rebound to .201 with its new certificate"
verifies_ip 192.0.2.201 || fail "192.0.2.201 does not verify"
[ "$(log_count 'event=issue-failed site=ip ')" -eq 1 ] || fail "the backoff's attempt ran meanwhile"
pass
