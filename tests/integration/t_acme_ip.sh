#!/bin/bash
# SPDX-License-Identifier: MIT
# IP certificates, all real (nginx, rsyslog, pebble, uacme): a site on 192.0.2.200 and one on
# 2001:db8::200 get an IP certificate at start; each address moves (.201, ::201) and a
# certificate for the new address is issued, rendered, reloaded and proven, as a client
# connecting by IP checks it (verify.ca_file = pebble's root). Then pebble stops: a move is
# refused with issue-failed, nothing rendered, retries back off; pebble returns: recovered.
# time-limit: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
ip addr add 2001:db8::200/64 dev cb0 nodad
make_cert boot boot.example.test "DNS:boot.example.test"
NGINX_SITES="www www6" write_nginx_conf
# Until certbind renders them, the servers have a placeholder certificate.
for s in www:192.0.2.200:443 www6:[2001:db8::200]:443; do
	printf 'listen %s ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
		"${s#*:}" "$T/boot.pem" "$T/boot.key" > "$T/nginx/${s%%:*}.conf"
done
start_nginx
pebble_start
pebble_root
acme_account
site() { # NAME ADDRESS
	cat <<EOC
{ name = "$1"; address = "$2"; port = 443;
  certificate = "$T/acme/{{address}}/cert.pem"; key = "$T/acme/private/{{address}}/key.pem";
  issue = { command = $ISSUE_COMMAND; timeout_ms = 30000; backoff_min_s = 2; };
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { type = "nginx"; output = "$T/nginx/$1.conf"; } );
  reload = $NGINX_RELOAD;
  verify = { timeout_ms = 3000; ca_file = "$T/pebble-root.pem"; };
  alert = { command = [ "/bin/sh", "-c", "echo \\"\$CERTBIND_EVENT \$CERTBIND_SITE \$CERTBIND_NEW\\" >> $T/alerts" ]; }; }
EOC
}
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300;
           metrics_file = "$T/metrics.prom"; };
sites = ( $(site www 192.0.2.200), $(site www6 2001:db8::200) );
EOC
start_certbindd
for s in www:192.0.2.200 www6:2001:db8::200; do
	n=${s%%:*} a=${s#*:}
	wait_for 30 log_has "event=issued site=$n address=$a fingerprint=SHA256:[0-9A-F:]+ not_after=" ||
		fail "$n: no certificate issued at start"
	wait_for 30 sh -c "$CERTBINDCTL -s $T/ctl.sock status | grep -Eq '^$n +[^ ]+ +bound'" ||
		fail "$n: not bound with its issued certificate"
	verifies_ip "$a" || fail "$n: a client connecting to $a does not accept the chain"
done

# The addresses move: a certificate per new address, issued, rendered, reloaded, proven.
ip addr add 192.0.2.201/24 dev cb0
ip addr add 2001:db8::201/64 dev cb0 nodad
ip addr del 192.0.2.200/24 dev cb0
ip addr del 2001:db8::200/64 dev cb0
for s in www:192.0.2.201 www6:2001:db8::201; do
	n=${s%%:*} a=${s#*:} ep=${s#*:}
	case $a in *:*) ep="\\[$a\\]" ;; esac
	wait_for 30 log_has "event=issued site=$n address=$a " || fail "$n: nothing issued for $a"
	wait_for 30 log_has "event=rebind site=$n old=.* new=$ep:443 fingerprint=SHA256:$(acme_fp "$a")" ||
		fail "$n: not rebound to $a with the certificate issued for it"
	verifies_ip "$a" || fail "$n: openssl s_client -verify_ip $a does not verify"
	ctl --json show "$n" | grep -q "\"fingerprint\": *\"SHA256:$(acme_fp "$a")\"" ||
		fail "$n: show does not report the new certificate"
	ctl --json status | grep -q "\"fingerprint\": *\"SHA256:$(acme_fp "$a")\"" ||
		fail "$n: status does not report the new certificate"
	ctl --json show "$n" | grep -q "\"certificate\": *\"$T/acme/$a/cert.pem\"" ||
		fail "$n: show does not name the new address's certificate file"
done
grep -q "$(acme_fp 192.0.2.201)" "$T/state" || fail "the state file lacks the new fingerprint"
grep -q "ssl_certificate $T/acme/192.0.2.201/cert.pem;" "$T/nginx/www.conf" ||
	fail "the snippet does not name the new address's certificate"

# pebble stops: a move cannot get its certificate; nothing is rendered; retries back off.
pebble_stop
cp "$T/nginx/www.conf" "$T/www.before"
ip addr add 192.0.2.202/24 dev cb0
ip addr del 192.0.2.201/24 dev cb0
wait_for 20 log_has 'event=issue-failed site=www address=192\.0\.2\.202 reason=".+" retry_in_s=2' ||
	fail "no issue-failed when pebble is down"
cmp -s "$T/nginx/www.conf" "$T/www.before" || fail "rendered although no certificate was issued"
log_has 'event=rebind site=www old=192\.0\.2\.201:443 new=192\.0\.2\.202' && fail "rebound without a certificate"
# uacme itself needs about 15 s to give up on an unreachable directory; the next attempt
# comes retry_in_s after the last failure, doubling.
wait_for 60 log_has 'event=issue-failed site=www .*retry_in_s=4' || fail "retries do not back off (2, then 4 s)"
[ "$(log_count 'event=issue-failed site=www ')" -eq 2 ] || fail "more attempts than the backoff allows"
# The site's alert command ran for the failure, once per alert.repeat_s (not per attempt).
wait_for 5 grep -q '^issue-failed www 192.0.2.202$' "$T/alerts" || fail "no alert for issue-failed"
[ "$(grep -c '^issue-failed' "$T/alerts")" -eq 1 ] || fail "an alert per attempt: $(cat "$T/alerts")"
wait_for 5 grep -q '^certbind_issue_failures_total{site="www"} 2$' "$T/metrics.prom" ||
	fail "certbind_issue_failures_total does not count the failures"
# pebble returns (it keeps no state: the account is registered again, as with a new CA):
# the next attempt gets the certificate and the site is rebound.
pebble_start
pebble_root
acme_account
wait_for 60 log_has 'event=rebind site=www old=192\.0\.2\.201:443 new=192\.0\.2\.202:443' ||
	fail "not recovered once pebble returned"
verifies_ip 192.0.2.202 || fail "192.0.2.202 does not verify after the recovery"
metrics_fails=$(ctl --json status >/dev/null; grep -c 'event=issue-failed site=www ' "$T/syslog")
[ "$metrics_fails" -le 8 ] || fail "$metrics_fails attempts: not backing off"
pass
