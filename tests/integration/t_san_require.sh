#!/bin/bash
# SPDX-License-Identifier: MIT
# san_check = "require" and a certificate whose IP SANs do not include the new address:
# no rebind, cert-mismatch, files untouched.
. "$(dirname "$0")/lib.sh"
www_site rebind 'san_check = "require";'
make_cert www www.example.test "DNS:www.example.test,IP:192.0.2.200"   # not .201
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "not bound at start"
m=$(mtime "$T/nginx/www.conf"); reloads=$(nginx_reloads)
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 10 log_has '^err certbind\[[0-9]+\]: event=cert-mismatch site=www endpoint=192\.0\.2\.201:443 .*action=refused' ||
	fail "no cert-mismatch refusal"
log_has 'event=rebind ' && fail "rebound despite san_check = require"
[ "$(mtime "$T/nginx/www.conf")" = "$m" ] || fail "snippet rewritten"
[ "$(nginx_reloads)" = "$reloads" ] || fail "nginx reloaded"
wait_for 5 grep -q 'state = "unbound"' "$T/state" || fail "state not unbound"
pass
