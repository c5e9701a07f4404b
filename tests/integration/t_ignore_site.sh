#!/bin/bash
# SPDX-License-Identifier: MIT
# An on_change = "ignore" site: the loss is logged at info level only; nothing changes.
. "$(dirname "$0")/lib.sh"
www_site ignore
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "not bound at start"
before_m=$(mtime "$T/nginx/www.conf")
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 10 log_has '^info certbind\[[0-9]+\]: event=address-lost site=www .*action=ignore' ||
	fail "no info-level address-lost"
log_has '^(warning|err|crit|alert|emerg) certbind' && fail "an ignore site logged above info"
log_has 'event=(rebind|no-candidate)' && fail "an ignore site acted"
[ "$(mtime "$T/nginx/www.conf")" = "$before_m" ] || fail "snippet rewritten"
pass
