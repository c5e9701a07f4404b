#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: the address-change scenario, live, in a throwaway network + mount namespace
# with a real nginx and a real rsyslogd. Touches nothing on the host.
if [ "$(id -u)" -ne 0 ] && [ -z "${CB_IN_NS:-}" ]; then
	echo "make demo needs root (it creates network and mount namespaces): sudo make demo" >&2
	exit 1
fi
KEEP=${KEEP:-}
. "$(dirname "$0")/../tests/integration/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[36m$ %s\033[0m\n' "$*"; "$@"; }
fail() { echo "demo failed: $*"; dump_logs; exit 1; }

say "A private network namespace: veth pair cb0/cb1, the host's address 192.0.2.200/24"
base_setup
ip addr add 192.0.2.200/24 dev cb0
run ip -br addr show dev cb0
tail -n 0 -f "$T/syslog" | sed -u 's/^/    syslog | /' &
PIDS="$PIDS $!"

say "A certificate for www.example.test, and nginx serving it on 192.0.2.200:443"
make_cert www www.example.test "DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201"
NGINX_SITES="www" write_nginx_conf
printf 'listen 192.0.2.200:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$T/www.pem" "$T/www.key" > "$T/nginx/www.conf"
start_nginx
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 1000; };
sites = ( {
  name = "www"; address = "192.0.2.200"; port = 443;
  certificate = "$T/www.pem"; key = "$T/www.key"; server_name = "www.example.test";
  on_change = "rebind"; follow = { interface = "cb0"; prefix = "192.0.2.0/24"; };
  targets = ( { type = "nginx"; output = "$T/nginx/www.conf"; } );
  reload = $NGINX_RELOAD;
} );
EOC
sed 's/^/    /' "$T/certbind.conf"

say "Start certbindd"
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "site not bound"
run "$CERTBINDCTL" -s "$T/ctl.sock" status

say "What 192.0.2.200:443 serves"
printf '\033[36m$ openssl s_client -connect 192.0.2.200:443 -servername www.example.test\033[0m\n'
echo | openssl s_client -connect 192.0.2.200:443 -servername www.example.test 2>/dev/null |
	openssl x509 -noout -subject -fingerprint -sha256

say "The host is renumbered: 192.0.2.200 goes, 192.0.2.201 comes (DHCP, failover, ...)"
run ip addr del 192.0.2.200/24 dev cb0
run ip addr add 192.0.2.201/24 dev cb0
printf '    (certbindd waits settle_ms = 1000 for the old address to come back, then acts)\n'
wait_for 20 log_has 'event=(rebind|rebind-failed|no-candidate) site=www' || fail "no decision"
log_has 'event=rebind site=www' || fail "the rebind did not happen"

say "certbindd rewrote the binding, reloaded nginx and proved it with a TLS handshake"
run "$CERTBINDCTL" -s "$T/ctl.sock" status
run cat "$T/nginx/www.conf"

say "What 192.0.2.201:443 serves now"
printf '\033[36m$ openssl s_client -connect 192.0.2.201:443 -servername www.example.test\033[0m\n'
echo | openssl s_client -connect 192.0.2.201:443 -servername www.example.test 2>/dev/null |
	openssl x509 -noout -subject -fingerprint -sha256
got=$(served_fp 192.0.2.201 443 www.example.test)
[ "$got" = "$(file_fp "$T/www.pem")" ] || fail "192.0.2.201:443 does not serve the certificate"
printf '\n\033[32mThe binding followed the address: 192.0.2.201:443 serves www.example.test.\033[0m\n'
stop_certbindd
say "Cleaning up (the namespace, nginx and rsyslogd go with it)"
exit 0
