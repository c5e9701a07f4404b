#!/bin/bash
# SPDX-License-Identifier: MIT
# Apache as Debian ships it listens on all addresses of port 443 (ports.conf: `Listen 443`).
# certbind's `Listen 192.0.2.200:443` cannot bind beside it, and apache2 -t cannot see that:
# the render is refused before any graceful restart, with a reason naming the listener and
# the one-line change; Apache keeps running. After the documented change (and a restart),
# the site is rendered, reloaded and proven by itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
make_cert www www.example.test "DNS:www.example.test,IP:192.0.2.200"
apache_conf
# Debian's ports.conf, as shipped (with mod_ssl).
printf 'Listen 80\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n' > "$T/apache/ports.conf"
sed -i "s|^IncludeOptional|Include $T/apache/ports.conf\nIncludeOptional|" "$T/apache/httpd.conf"
cat > "$T/apache/sites/www.conf" <<EOC
<VirtualHost 192.0.2.200:443>
    SSLEngine on
    SSLCertificateFile $T/www.pem
    SSLCertificateKeyFile $T/www.key
</VirtualHost>
EOC
apache_start
wait_for 10 sh -c "ss -ltn | grep -q '\*:443 '" || fail "test setup: apache does not listen on *:443"
cp "$T/apache/sites/www.conf" "$T/www.before"
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
servers = ( $(apache_server httpd) );
sites = ( {
  name = "www"; server = "httpd"; address = "192.0.2.200"; port = 443;
  certificate = "$T/www.pem"; key = "$T/www.key"; server_name = "www.example.test";
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { output = "$T/apache/sites/www.conf"; } );
  verify = { timeout_ms = 3000; };
} );
EOC
r0=$(apache_reloads)
pid0=$(cat "$T/apache/httpd.pid")
start_certbindd
wait_for 10 log_has 'event=render-failed site=www endpoint=192\.0\.2\.200:443 reason="Apache cannot bind Listen 192\.0\.2\.200:443: apache2 listens on all addresses of port 443 \(Debian.s ports\.conf: Listen 443\)' ||
	fail "no refusal naming the wildcard listener: $(grep render-failed "$T/syslog" | head -1)"
log_has 'event=render-failed site=www .*hint="in /etc/apache2/ports\.conf, change the line `Listen 443` to `# Listen 443`' ||
	fail "the refusal does not say what to change"
[ "$(apache_reloads)" -eq "$r0" ] || fail "apache was reloaded into a Listen that cannot bind"
apache_alive && [ "$(cat "$T/apache/httpd.pid")" = "$pid0" ] || fail "apache's parent died or changed"
cmp -s "$T/apache/sites/www.conf" "$T/www.before" || fail "the vhost was changed"
# The documented change, and a restart: the site is rendered and proven by itself (retries).
sed -i 's/^\tListen 443$/\t# Listen 443/' "$T/apache/ports.conf"
$APACHE -k stop
wait_for 10 sh -c "! kill -0 $pid0 2>/dev/null" || fail "apache did not stop"
apache_start
wait_for 20 sh -c "$CERTBINDCTL -s $T/ctl.sock status | grep -Eq '^www +192\.0\.2\.200:443 +bound'" ||
	fail "not bound after the documented change: $(ctl status)"
grep -q '^Listen 192.0.2.200:443 https$' "$T/apache/sites/www.conf" || fail "Listen not rendered"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$(file_fp "$T/www.pem")" ] || fail "not served"
pass
