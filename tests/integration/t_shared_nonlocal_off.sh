#!/bin/bash
# SPDX-License-Identifier: MIT
# Sites sharing a server, nonlocal_bind = "off": see shared_server.inc.
. "$(dirname "$0")/lib.sh"
MODE=off
. "$(dirname "$0")/shared_server.inc"
grep -q "192.0.2.100:443 failed (99: Cannot assign requested address)" "$T/nginx-start.err" "$T/nginx-error.log" ||
	fail "nginx started although it could not bind the absent address"
log_has 'event=rebind-failed site=www .*hint="site intra of the same server is unbound and its listen address is absent; see nonlocal_bind in certbind.conf\(5\)"' ||
	fail "rebind-failed without the hint naming intra"
log_has 'event=nonlocal-bind-off' && fail "nonlocal-bind-off logged although nonlocal_bind = off"
pass
