#!/bin/bash
# SPDX-License-Identifier: MIT
# A reload command that does nothing (/bin/true returns 0, like "nginx -s reload" whose new
# configuration did not take): nothing listens on the new endpoint, the rebind fails, every
# file is rolled back byte for byte, the state keeps the old binding, the alert is in syslog.
. "$(dirname "$0")/lib.sh"
www_site rebind 'verify = { timeout_ms = 1000; };'
sed -i 's|reload = \[.*\];|reload = [ "/bin/true" ];|' "$T/certbind.conf"
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "not bound at start"
cp "$T/nginx/www.conf" "$T/www.conf.before"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind-failed site=www' || fail "no rebind-failed"
# One line for one failure: the reason says nothing listens (no separate listener-missing:
# that is for a new file the server may not include).
log_has 'event=listener-missing' && fail "the failure was said twice (listener-missing too)"
log_has '^err certbind\[[0-9]+\]: event=rebind-failed site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 reason="nothing listens on 192\.0\.2\.201:443 after the reload" rollback=yes' ||
	fail "rebind-failed line not as expected"
# Retried (1 s, doubling): between attempts the snippet is as it was.
restored() { idle && cmp -s "$T/nginx/www.conf" "$T/www.conf.before"; }
wait_for 10 restored || fail "snippet not restored byte for byte"
ls -a "$T/nginx" | grep -q certbind- && fail "temporary file left behind"
grep -q 'address = "192.0.2.200";' "$T/state" || fail "state lost the old binding"
log_has 'event=rebind ' && fail "a rebind was committed"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +unbound' || fail "status not unbound at the old endpoint"
pass
