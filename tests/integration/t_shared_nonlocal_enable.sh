#!/bin/bash
# SPDX-License-Identifier: MIT
# Sites sharing a server, nonlocal_bind = "enable": see shared_server.inc.
. "$(dirname "$0")/lib.sh"
MODE=enable
. "$(dirname "$0")/shared_server.inc"
log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "www was not rebound"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.201 not served"
pass
