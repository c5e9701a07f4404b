#!/bin/bash
# SPDX-License-Identifier: MIT
# The seed's default binding ("all unassigned IP addresses"): a wildcard site is rendered as
# nginx's default server for its port and proven on every address: at start on each
# address no specific site holds (specific beats wildcard), and on every address that
# appears later (event=default-served). An address where nginx serves another certificate
# is reported (event=default-not-served). certbindctl show lists the addresses proven.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
make_cert default default.example.test "DNS:default.example.test"
make_cert other other.example.test "DNS:other.example.test"
ip addr add 192.0.2.50/24 dev cb0
ip addr add 192.0.2.60/24 dev cb0
# nginx: the default (certbind's), www (certbind's), and a hand-written site on .60.
{
	echo "user root; worker_processes 1; daemon on; pid $T/nginx.pid;"
	echo "error_log $T/nginx-error.log notice;"
	echo "events { worker_connections 64; }"
	echo "http { access_log off;"
	echo "  client_body_temp_path $T/nginx-tmp/body; proxy_temp_path $T/nginx-tmp/proxy;"
	echo "  fastcgi_temp_path $T/nginx-tmp/fcgi; uwsgi_temp_path $T/nginx-tmp/uwsgi; scgi_temp_path $T/nginx-tmp/scgi;"
	echo "  server { include $T/nginx/default.conf; location / { return 200 default; } }"
	echo "  server { include $T/nginx/www.conf; location / { return 200 www; } }"
	echo "  server { listen 192.0.2.60:443 ssl; ssl_certificate $T/other.pem; ssl_certificate_key $T/other.key; }"
	echo "}"
} > "$T/nginx.conf"
printf 'listen *:443 ssl default_server;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$T/default.pem" "$T/default.key" > "$T/nginx/default.conf"
# A wildcard listen replaces the specific sockets: nginx must start afresh to bind it.
kill "$(cat "$T/nginx.pid")"; wait_for 10 sh -c "! ss -ltn | grep -q ':443 '"
rm -f "$T/nginx.pid"
start_nginx
sed -i 's|^} );$||' "$T/certbind.conf"
cat >> "$T/certbind.conf" <<EOC
}, { name = "default"; address = "*"; port = 443; certificate = "$T/default.pem";
     key = "$T/default.key"; server_name = "default.example.test";
     targets = ( { type = "nginx"; output = "$T/nginx/default.conf"; } );
     reload = $NGINX_RELOAD; } );
EOC
start_certbindd
grep -q '^listen \*:443 ssl default_server;$' "$T/nginx/default.conf" || fail "not rendered as the default server"
wait_for 10 log_has 'event=default-served site=default address=192\.0\.2\.50 port=443' || fail "192.0.2.50 not proven"
wait_for 10 log_has 'event=default-not-served site=default address=192\.0\.2\.60 port=443 reason="another certificate is served there" fingerprint=' ||
	fail "192.0.2.60 (another certificate) not reported"
log_has 'event=default-(served|not-served) site=default address=192\.0\.2\.200 ' && fail "the specific site's address was probed for the default"
ctl status | grep -Eq '^default +\*:443 +wildcard ' || fail "status: $(ctl status)"
# An address that appears later.
ip addr add 198.51.100.9/24 dev cb1
wait_for 10 log_has 'event=default-served site=default address=198\.51\.100\.9 port=443' || fail "a new address was not proven"
ctl --json show default > "$T/show.json"
grep -q '"198.51.100.9"' "$T/show.json" && grep -q '"192.0.2.50"' "$T/show.json" ||
	fail "show does not list the proven addresses: $(cat "$T/show.json")"
grep -q '"192.0.2.60"' "$T/show.json" && fail "show lists an address that serves another certificate"
pass
