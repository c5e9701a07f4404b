#!/bin/bash
# SPDX-License-Identifier: MIT
# verify.on_failure = "alert": a rebind that fails verification keeps the new files (no
# rollback), says rollback=no, and the site is "failed" at the new endpoint.
. "$(dirname "$0")/lib.sh"
www_site rebind 'verify = { timeout_ms = 1000; on_failure = "alert"; };'
sed -i 's|reload = \[.*\];|reload = [ "/bin/true" ];|' "$T/certbind.conf"
start_certbindd
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has '^err certbind\[[0-9]+\]: event=rebind-failed site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 .*rollback=no' ||
	fail "no rebind-failed with rollback=no"
grep -q '^listen 192.0.2.201:443 ssl;$' "$T/nginx/www.conf" || fail "the new file was not kept"
wait_for 5 grep -q 'state = "failed"' "$T/state" || fail "state not failed"
ctl status | grep -Eq '^www +192\.0\.2\.201:443 +failed' || fail "status not failed at the new endpoint"
pass
