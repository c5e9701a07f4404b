#!/bin/bash
# SPDX-License-Identifier: MIT
# Apache's default reload, after its check has parsed the configuration, is SIGUSR1 (the
# graceful restart) to the parent named by pid_file, not `apache2ctl graceful`, which would
# parse the whole configuration twice more: the rebind is served after one graceful restart
# and apache2ctl never ran (in this test's mount namespace it is a stand-in that records a
# run and fails).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
make_cert www www.example.test "DNS:www.example.test"
printf '#!/bin/sh\necho "$*" >> %s/apache2ctl.ran\nexit 1\n' "$T" > "$T/apache2ctl"
chmod +x "$T/apache2ctl"
mount --bind "$T/apache2ctl" /usr/sbin/apache2ctl || fail "cannot stand in for apache2ctl"
apache_conf
cat > "$T/apache/sites/www.conf" <<EOC
Listen 192.0.2.200:443 https
<VirtualHost 192.0.2.200:443>
    SSLEngine on
    SSLCertificateFile $T/www.pem
    SSLCertificateKeyFile $T/www.key
</VirtualHost>
EOC
apache_start
# The declared server without its reload: the type's default (apache2ctl graceful).
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
servers = ( $(apache_server httpd | grep -v '^  reload = ') );
sites = ( {
  name = "www"; server = "httpd"; address = "192.0.2.200"; port = 443;
  certificate = "$T/www.pem"; key = "$T/www.key"; server_name = "www.example.test";
  on_change = "rebind"; follow = { interface = "cb0"; prefix = "192.0.2.0/24"; };
  targets = ( { output = "$T/apache/sites/www.conf"; } );
} );
EOC
grep -q 'reload = ' "$T/certbind.conf" && fail "the test's server still declares its reload"
"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1 || fail "policy refused: $(cat "$T/check.out")"
start_certbindd
wait_for 15 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
r0=$(apache_reloads)
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 20 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind event: $(grep -m1 'rebind-failed' "$T/syslog")"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$(file_fp "$T/www.pem")" ] ||
	fail "192.0.2.201:443 does not serve the site"
[ $(( $(apache_reloads) - r0 )) -eq 1 ] || fail "apache restarted gracefully $(( $(apache_reloads) - r0 )) times, want 1"
[ -e "$T/apache2ctl.ran" ] && fail "apache2ctl ran: $(cat "$T/apache2ctl.ran")"
pass
