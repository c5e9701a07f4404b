#!/bin/bash
# SPDX-License-Identifier: MIT
# Forced overflow: the daemon is stopped (SIGSTOP) with a small netlink buffer while
# thousands of address changes happen, including the site's; on SIGCONT the kernel reports
# ENOBUFS: the daemon resyncs (event=resync), rebinds the site correctly, and its table
# equals `ip -o addr`.
. "$(dirname "$0")/lib.sh"
SETTLE_MS=300 www_site rebind
make_storm_veths
storm_batch "$T/storm"
grep -v '^addr del' "$T/storm" > "$T/storm-adds"       # leave addresses behind, too
CERTBIND_NETLINK_RCVBUF=65536 start_certbindd
kill -STOP "$CB_PID"
ip -batch "$T/storm" || fail "storm"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
ip -batch "$T/storm-adds" || fail "storm adds"
kill -CONT "$CB_PID"
wait_for 30 log_has '^warning certbind\[[0-9]+\]: event=resync changes=[0-9]+ ' || fail "no resync event"
wait_for 30 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 ' ||
	fail "site not rebound after the resync"
wait_idle
wait_for 30 tables_equal || fail "table differs from the kernel's: $(diff <(kernel_table) <(daemon_table) | head)"
[ "$(log_count 'event=rebind ')" -eq 1 ] || fail "$(log_count 'event=rebind ') rebinds"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail "not served"
pass
