#!/bin/bash
# SPDX-License-Identifier: MIT
# A stale Apache pid_file: the policy's pid_file names an unrelated process. certbind says so
# once (event=server-pidfile-stale with the process), never waits on or signals it, and judges
# the graceful restarts by what it can prove: the site is bound at start and after a
# renumbering, served by Apache, and the unrelated process is untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.inc"
base_setup
ip addr add 192.0.2.200/24 dev cb0
make_cert www www.example.test "DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201"
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
# An unrelated process whose pid sits in the file the policy names.
sleep 600 &
OTHER=$!
PIDS="$PIDS $OTHER"
echo "$OTHER" > "$T/stale.pid"
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300; };
servers = ( $(apache_server httpd | sed "s|pid_file = \"$T/apache/httpd.pid\"|pid_file = \"$T/stale.pid\"|") );
sites = ( {
  name = "www"; server = "httpd"; address = "192.0.2.200"; port = 443;
  certificate = "$T/www.pem"; key = "$T/www.key"; server_name = "www.example.test";
  on_change = "rebind"; follow = { interface = "cb0"; };
  targets = ( { output = "$T/apache/sites/www.conf"; } );
  verify = { timeout_ms = 5000; };
} );
EOC
grep -q "pid_file = \"$T/stale.pid\"" "$T/certbind.conf" || fail "test setup: pid_file not replaced"
WANT_FP=$(file_fp "$T/www.pem")
start_certbindd
wait_for 15 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
# A rendering change at start makes certbind reload: force one with a renumbering.
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 20 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 ' ||
	fail "not rebound: $(grep -E 'rebind-failed|stale' "$T/syslog" | head -3)"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.201 not served"
log_has "event=server-pidfile-stale server=httpd pid=$OTHER process=sleep " ||
	fail "the stale pid file was not reported: $(grep stale "$T/syslog")"
[ "$(log_count 'event=server-pidfile-stale')" -eq 1 ] || fail "reported $(log_count 'event=server-pidfile-stale') times, want once"
log_has 'not taken|timed out' && fail "waited on the unrelated process: $(grep -E 'not taken|timed out' "$T/syslog" | head -1)"
kill -0 "$OTHER" || fail "the unrelated process was signalled"
apache_alive || fail "apache died"
pass
