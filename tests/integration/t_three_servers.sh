#!/bin/bash
# SPDX-License-Identifier: MIT
# One policy, three declared servers — a real nginx, Apache httpd and HAProxy — with a site on
# each; the host is renumbered at once: every site is verified on its new address and each
# server is reloaded exactly once (192.0.2.X -> 198.51.100.X, one ip -batch).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.inc"
base_setup
for a in 10 20 30; do ip addr add 192.0.2.$a/24 dev cb0; done
make_cert www www.example.test "DNS:www.example.test"
cp "$T/www.key" "$T/www.pem.key"
NGINX_SITES="ngx" write_nginx_conf
printf 'listen 192.0.2.10:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$T/www.pem" "$T/www.key" > "$T/nginx/ngx.conf"
start_nginx
apache_conf
printf 'Listen 192.0.2.20:443 https\n<VirtualHost 192.0.2.20:443>\n    SSLEngine on\n    SSLCertificateFile %s\n    SSLCertificateKeyFile %s\n</VirtualHost>\n' \
	"$T/www.pem" "$T/www.key" > "$T/apache/sites/web.conf"
apache_start
haproxy_conf
printf 'frontend certbind-lbs\n    bind 192.0.2.30:443 ssl crt %s\n    default_backend be_www\n' \
	"$T/www.pem" > "$T/haproxy/fe/lbs.cfg"
haproxy_start
site() { # NAME SERVER ADDRESS OUTPUT [EXTRA]
	cat <<EOC
{ name = "$1"; server = "$2"; address = "$3"; port = 443; server_name = "www.example.test";
  certificate = "$T/www.pem"; key = "${6:-$T/www.key}"; on_change = "rebind";
  follow = { interface = "cb0"; host_part = "same"; };
  targets = ( { output = "$4"; } ); verify = { timeout_ms = 5000; }; ${5:-} }
EOC
}
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
servers = (
  { name = "web"; type = "nginx"; pid_file = "$T/nginx.pid";
    check = [ "/usr/sbin/nginx", "-e", "$T/nginx-error.log", "-c", "$T/nginx.conf", "-t", "-q" ];
    reload = $NGINX_RELOAD; },
  $(apache_server httpd),
  $(haproxy_server lb)
);
sites = (
  $(site ngx web 192.0.2.10 "$T/nginx/ngx.conf"),
  $(site web httpd 192.0.2.20 "$T/apache/sites/web.conf"),
  $(site lbs lb 192.0.2.30 "$T/haproxy/fe/lbs.cfg" 'backend = "be_www";' "$T/www.pem.key")
);
EOC
WANT_FP=$(file_fp "$T/www.pem")
start_certbindd
wait_for 15 sh -c "[ \$(grep -c 'state = \"bound\"' '$T/state') -eq 3 ]" || fail "not all three bound at start"
n0=$(nginx_reloads) a0=$(apache_reloads) h0=$(haproxy_reloads)

# Renumber all three at once, in one batch: 192.0.2.X -> 198.51.100.X (host part kept).
for a in 10 20 30; do
	echo "addr del 192.0.2.$a/24 dev cb0"
	echo "addr add 198.51.100.$a/24 dev cb0"
done > "$T/renumber"
ip -batch "$T/renumber" || fail "ip -batch failed"
for s in ngx:10 web:20 lbs:30; do
	n=${s%%:*} a=${s##*:}
	wait_for 20 log_has "event=rebind site=$n old=192\.0\.2\.$a:443 new=198\.51\.100\.$a:443" ||
		fail "$n not rebound to 198.51.100.$a"
done
wait_idle || fail "jobs still running"
for a in 10 20 30; do
	[ "$(served_fp 198.51.100.$a 443 www.example.test)" = "$WANT_FP" ] || fail "198.51.100.$a not served"
done
[ "$(ctl status | grep -Ec ' bound')" -eq 3 ] || fail "not all three bound: $(ctl status)"
[ $(( $(nginx_reloads) - n0 )) -eq 1 ] || fail "nginx reloaded $(( $(nginx_reloads) - n0 )) times, want 1"
[ $(( $(apache_reloads) - a0 )) -eq 1 ] || fail "apache reloaded $(( $(apache_reloads) - a0 )) times, want 1"
[ $(( $(haproxy_reloads) - h0 )) -eq 1 ] || fail "haproxy reloaded $(( $(haproxy_reloads) - h0 )) times, want 1"
pass
