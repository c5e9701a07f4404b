#!/bin/bash
# SPDX-License-Identifier: MIT
# dist/examples/selfsigned-ip.conf, as shipped but for this world's paths and nginx: at start
# the issue command mints a self-signed certificate for 192.0.2.200 and the site is proven;
# the address moves to .201: a new one is minted for .201 (its SAN is that address), rendered,
# reloaded and proven, the old one left in place.
. "$(dirname "$0")/lib.sh"
base_setup
ip addr add 192.0.2.200/24 dev cb0
make_cert boot boot.example.test "DNS:boot.example.test"
NGINX_SITES="node" write_nginx_conf
printf 'listen 192.0.2.200:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$T/boot.pem" "$T/boot.key" > "$T/nginx/node.conf"
start_nginx
mkdir -p "$T/state-dir"
server="{ name = \"web\"; type = \"nginx\"; pid_file = \"$T/nginx.pid\";
    check = [ \"/usr/sbin/nginx\", \"-e\", \"$T/nginx-error.log\", \"-c\", \"$T/nginx.conf\", \"-t\", \"-q\" ];
    reload = $NGINX_RELOAD; }"
sed -e "s|/var/lib/certbind|$T/state-dir|g" -e "s|/etc/nginx/certbind|$T/nginx|g" \
    -e 's|interface = "eth0"|interface = "cb0"|' \
    -e "s|{ name = \"web\"; type = \"nginx\"; }|$(printf '%s' "$server" | tr '\n' ' ')|" \
    -e "s|settle_ms = 1500;|settle_ms = 300; state_file = \"$T/state\"; control_socket = \"$T/ctl.sock\";|" \
    "$TOP/dist/examples/selfsigned-ip.conf" > "$T/certbind.conf"
grep -q "pid_file = \"$T/nginx.pid\"" "$T/certbind.conf" || fail "test setup: the server was not replaced"
"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1 || fail "certbindd -t: $(cat "$T/check.out")"
start_certbindd
wait_for 20 log_has 'event=issued site=node address=192\.0\.2\.200 ' || fail "nothing minted at start"
wait_for 20 sh -c "$CERTBINDCTL -s $T/ctl.sock status | grep -Eq '^node +192\.0\.2\.200:443 +bound'" ||
	fail "not bound with the minted certificate: $(ctl status)"
[ "$(served_fp 192.0.2.200 443)" = "$(file_fp "$T/state-dir/selfsigned-192.0.2.200.pem")" ] ||
	fail "192.0.2.200 does not serve the minted certificate"
[ "$(stat -c %a "$T/state-dir/selfsigned-192.0.2.200.key")" = 600 ] || fail "the key is readable by others"
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 20 log_has 'event=issued site=node address=192\.0\.2\.201 ' || fail "nothing minted for .201"
wait_for 20 log_has 'event=rebind site=node old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 ' || fail "not rebound"
fp=$(file_fp "$T/state-dir/selfsigned-192.0.2.201.pem")
[ "$(served_fp 192.0.2.201 443)" = "$fp" ] || fail "192.0.2.201 does not serve its minted certificate"
echo | openssl s_client -connect 192.0.2.201:443 2>/dev/null | openssl x509 -noout -ext subjectAltName 2>/dev/null |
	grep -q 'IP Address:192.0.2.201' || fail "the served certificate does not name 192.0.2.201"
test -s "$T/state-dir/selfsigned-192.0.2.200.pem" || fail "the old address's certificate was removed"
pass
