#!/bin/bash
# SPDX-License-Identifier: MIT
# A real HAProxy (master-worker, master CLI) as a declared server: a renumbering is rebound
# and served; a configuration haproxy -c refuses is restored without a reload, the checker's
# words in the event; a reload HAProxy refuses (the new address is taken) keeps the old
# worker serving, is rolled back and reported, and the old binding is proven served again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
make_cert www www.example.test "DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201,IP:192.0.2.202"
# HAProxy's own rule: the key beside the certificate, as CERT.key.
mv "$T/www.key" "$T/www.pem.key"
haproxy_conf
printf 'frontend certbind-www\n    bind 192.0.2.200:443 ssl crt %s\n    default_backend be_www\n' \
	"$T/www.pem" > "$T/haproxy/fe/www.cfg"
haproxy_start
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
servers = ( $(haproxy_server lb) );
sites = ( {
  name = "www"; server = "lb"; address = "192.0.2.200"; port = 443; backend = "be_www";
  certificate = "$T/www.pem"; key = "$T/www.pem.key"; server_name = "www.example.test";
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { output = "$T/haproxy/fe/www.cfg"; } );
  verify = { timeout_ms = 5000; };
} );
EOC
WANT_FP=$(file_fp "$T/www.pem")
"$CERTBINDD" -t -c "$T/certbind.conf" || fail "policy with a haproxy server rejected"
start_certbindd
wait_for 15 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$WANT_FP" ] || fail "not served at start"
ctl --json show www | grep -q '"driver": *"haproxy"' || fail "show does not name the haproxy driver"

# 1. Renumbering: rendered, checked, reloaded through the master CLI, confirmed, proven.
r0=$(haproxy_reloads)
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 20 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind to 192.0.2.201"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.201 not served"
grep -q "^    bind 192.0.2.201:443 ssl crt $T/www.pem$" "$T/haproxy/fe/www.cfg" || fail "bind not rendered"
grep -q '^    default_backend be_www$' "$T/haproxy/fe/www.cfg" || fail "default_backend not rendered"
[ $(( $(haproxy_reloads) - r0 )) -eq 1 ] || fail "haproxy reloaded $(( $(haproxy_reloads) - r0 )) times, want 1"

# 2. The operator's backend goes missing: haproxy -c refuses; restored byte for byte, no reload.
cp "$T/haproxy/fe/www.cfg" "$T/www.before"
cp "$T/haproxy/haproxy.cfg" "$T/haproxy.cfg.good"
sed -i 's/^backend be_www$/backend be_other/' "$T/haproxy/haproxy.cfg"
r1=$(haproxy_reloads)
ip addr add 192.0.2.202/24 dev cb0
out=$(ctl rebind www 192.0.2.202 2>&1) && fail "rebind with a missing backend succeeded: $out"
wait_for 10 log_has "event=rebind-failed site=www .*reason=\"configuration check failed: .*be_www.*rollback=yes" ||
	fail "no rebind-failed with haproxy -c's words"
cmp -s "$T/haproxy/fe/www.cfg" "$T/www.before" || fail "frontend not restored byte for byte"
[ "$(haproxy_reloads)" -eq "$r1" ] || fail "haproxy was reloaded although its check failed"
cp "$T/haproxy.cfg.good" "$T/haproxy/haproxy.cfg"

# 3. The reload cannot bind (192.0.2.202:443 is taken): HAProxy keeps its old worker.
occupy 192.0.2.202 443
out=$(ctl rebind www 192.0.2.202 2>&1) && fail "rebind to an occupied address succeeded: $out"
wait_for 15 log_has 'event=rebind-failed site=www .*reason="reload not taken: HAProxy kept its old worker.*rollback=yes old_binding=served' ||
	fail "no rebind-failed reporting the refused reload with the old binding proven"
grep -q 'cannot bind socket.*192.0.2.202:443' "$T/haproxy.log" ||
	fail "haproxy did not refuse the way this test means"
cmp -s "$T/haproxy/fe/www.cfg" "$T/www.before" || fail "frontend not restored"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "old binding not served"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "status does not show the old binding bound"
pass
