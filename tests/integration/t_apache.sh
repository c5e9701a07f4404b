#!/bin/bash
# SPDX-License-Identifier: MIT
# A real Apache httpd (mod_ssl) as a declared server: a renumbering is rebound and served; a
# rendered configuration apache2 -t refuses is restored without a reload, the checker's words
# in the event; a graceful restart that cannot bind kills Apache's parent: certbind restores
# the files, starts Apache again and proves the old binding served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
make_cert www www.example.test "DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201,IP:192.0.2.202"
apache_conf
echo '    DocumentRoot /nonexistent-but-harmless' > "$T/apache/body/www.conf"
# The operator's vhost as it was before certbind: certbind renders the same binding.
cat > "$T/apache/sites/www.conf" <<EOC
Listen 192.0.2.200:443 https
<VirtualHost 192.0.2.200:443>
    SSLEngine on
    SSLCertificateFile $T/www.pem
    SSLCertificateKeyFile $T/www.key
</VirtualHost>
EOC
apache_start
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
servers = ( $(apache_server httpd) );
sites = ( {
  name = "www"; server = "httpd"; address = "192.0.2.200"; port = 443;
  certificate = "$T/www.pem"; key = "$T/www.key"; server_name = "www.example.test";
  include = "$T/apache/body/www.conf";
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { output = "$T/apache/sites/www.conf"; } );
  verify = { timeout_ms = 5000; };
} );
EOC
WANT_FP=$(file_fp "$T/www.pem")
"$CERTBINDD" -t -c "$T/certbind.conf" || fail "policy with an apache server rejected"
start_certbindd
wait_for 15 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$WANT_FP" ] || fail "not served at start"
ctl --json show www | grep -q '"driver": *"apache"' || fail "show does not name the apache driver"
ctl show www | grep -Eq 'server.*httpd' || fail "show does not name the server"

# 1. Renumbering: rendered, checked, graceful, proven.
r0=$(apache_reloads)
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 20 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind to 192.0.2.201"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.201 not served"
grep -q '^Listen 192.0.2.201:443 https$' "$T/apache/sites/www.conf" || fail "Listen not rendered"
grep -q '^<VirtualHost 192.0.2.201:443>$' "$T/apache/sites/www.conf" || fail "VirtualHost not rendered"
grep -q "^    Include $T/apache/body/www.conf$" "$T/apache/sites/www.conf" || fail "body not included"
[ $(( $(apache_reloads) - r0 )) -eq 1 ] || fail "apache reloaded $(( $(apache_reloads) - r0 )) times, want 1"

# 2. The operator's body breaks: apache2 -t refuses; files restored byte for byte, no reload.
cp "$T/apache/sites/www.conf" "$T/www.before"
echo '    NoSuchDirective on' > "$T/apache/body/www.conf"
r1=$(apache_reloads)
ip addr add 192.0.2.202/24 dev cb0
out=$(ctl rebind www 192.0.2.202 2>&1) && fail "rebind with a broken body succeeded: $out"
wait_for 10 log_has 'event=rebind-failed site=www .*reason="configuration check failed: AH00526: Syntax error on line 1 of '"$T"'/apache/body/www.conf: Invalid command .NoSuchDirective.*rollback=yes' ||
	fail "no rebind-failed with apache2 -t's words"
cmp -s "$T/apache/sites/www.conf" "$T/www.before" || fail "vhost not restored byte for byte"
[ "$(apache_reloads)" -eq "$r1" ] || fail "apache was reloaded although its check failed"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "old binding not served"
echo '    DocumentRoot /nonexistent-but-harmless' > "$T/apache/body/www.conf"

# 3. A graceful restart that cannot bind (192.0.2.202:443 is taken) kills Apache's parent.
occupy 192.0.2.202 443
old_pid=$(cat "$T/apache/httpd.pid")
out=$(ctl rebind www 192.0.2.202 2>&1) && fail "rebind to an occupied address succeeded: $out"
wait_for 15 log_has "event=server-restarted server=httpd pid=$old_pid " ||
	fail "no server-restarted event"
wait_for 15 log_has 'event=rebind-failed site=www .*exited after the reload.*rollback=yes old_binding=served' ||
	fail "no rebind-failed naming the dead parent with the old binding proven"
grep -q 'AH00072: make_sock: could not bind to address 192.0.2.202:443' "$T/apache-error.log" ||
	fail "apache did not die the way this test means (no AH00072)"
cmp -s "$T/apache/sites/www.conf" "$T/www.before" || fail "vhost not restored after the death"
new_pid=$(cat "$T/apache/httpd.pid")
[ "$new_pid" != "$old_pid" ] && apache_alive || fail "apache not running again (pid $new_pid)"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] ||
	fail "the old binding is not served after the restart"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +bound' || fail "status does not show the old binding bound"
pass
