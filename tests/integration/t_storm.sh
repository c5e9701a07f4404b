#!/bin/bash
# SPDX-License-Identifier: MIT
# A storm of ~23,000 unrelated address events (adds, lifetime-only changes, deletes over
# five interfaces) with the site's address changing in the middle: exactly one rebind, to
# the newest matching address, and the daemon's table equals the kernel's afterwards.
. "$(dirname "$0")/lib.sh"
SETTLE_MS=500 www_site rebind
ip addr add 192.0.2.50/24 dev cb0          # an older candidate: the newest must win
make_storm_veths
storm_batch "$T/storm1" ; storm_batch "$T/storm2"
start_certbindd
events0=$(ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["netlink_events"])')
ip -batch "$T/storm1" || fail "storm 1"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
ip -batch "$T/storm2" || fail "storm 2"
wait_for 30 log_has 'event=rebind site=www' || fail "no rebind"
wait_idle
wait_for 30 tables_equal || fail "the daemon's table differs from the kernel's: $(diff <(kernel_table) <(daemon_table) | head)"
[ "$(log_count 'event=rebind ')" -eq 1 ] || fail "$(log_count 'event=rebind ') rebinds"
log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 ' || fail "rebound to the wrong address"
[ "$(log_count 'event=address-lost')" -eq 1 ] || fail "more than one address-lost"
n=$(ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["netlink_events"])')
note "netlink events seen by the daemon: $((n - events0)); resyncs: $(log_count 'event=resync')"
[ "$((n - events0))" -ge 20000 ] || [ "$(log_count 'event=resync')" -ge 1 ] ||
	fail "the storm did not reach the daemon ($((n - events0)) events)"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "not served"
pass
