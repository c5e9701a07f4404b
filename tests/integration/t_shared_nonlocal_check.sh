#!/bin/bash
# SPDX-License-Identifier: MIT
# Sites sharing a server, nonlocal_bind = "check" (the default): nonlocal-bind-off is logged
# at start, and the scenario of shared_server.inc fails with the hint, as with "off".
. "$(dirname "$0")/lib.sh"
MODE=check
. "$(dirname "$0")/shared_server.inc"
log_has '^warning certbind\[[0-9]+\]: event=nonlocal-bind-off site=(www|intra) shares_server_with=(www|intra) ' ||
	fail "no nonlocal-bind-off at start"
log_has 'event=rebind-failed site=www .*hint="site intra of the same server is unbound' ||
	fail "rebind-failed without the hint naming intra"
pass
