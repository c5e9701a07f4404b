#!/bin/bash
# SPDX-License-Identifier: MIT
# nginx's default reload, after its check has parsed the configuration, is a SIGHUP to the
# master named by pid_file (verified to be nginx), not `nginx -s reload`, which would parse
# the whole configuration again: the rebind is served, nginx logs the signal as coming from
# certbindd itself, and no nginx "signal process" ran.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
# The same site, through a declared server with the type's default reload.
sed -i "s|  reload = \[.*\];|  server = \"web\";|" "$T/certbind.conf"
sed -i "/^sites = (/i servers = ( { name = \"web\"; type = \"nginx\"; pid_file = \"$T/nginx.pid\";\n  check = [ \"/usr/sbin/nginx\", \"-e\", \"$T/nginx-error.log\", \"-c\", \"$T/nginx.conf\", \"-t\", \"-q\" ]; } );" "$T/certbind.conf"
"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1 || fail "policy refused: $(cat "$T/check.out")"
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "site not bound at start"
signals0=$(grep -c 'signal process started' "$T/nginx-error.log")
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind event"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.201:443 does not serve the site"
grep -q "signal 1 (SIGHUP) received from $CB_PID," "$T/nginx-error.log" ||
	fail "nginx was not signalled by certbindd ($CB_PID): $(grep SIGHUP "$T/nginx-error.log" | tail -n 2)"
[ "$(grep -c 'signal process started' "$T/nginx-error.log")" -eq "$signals0" ] ||
	fail "an nginx -s reload ran (signal process started)"
pass
