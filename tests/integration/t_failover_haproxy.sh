#!/bin/bash
# SPDX-License-Identifier: MIT
# A failover pair with real keepalived and HAProxy (master-worker) on each host: A holds the
# VIP, proven; B is standby with HAProxy already bound to the absent VIP; keepalived stops on
# A: B's takeover is proven with no reload, and the client is served by B; A is standby.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover.inc"
fo_world haproxy
fo_check_start
b_reloads=$(grep -c 'Reloading HAProxy' "$T/B/haproxy.log")
t0=$(ms_now)
fo_keepalived_stop A
wait_for 10 fo_has_vip B || fail "B never took the VIP"
t_vip=$(( $(ms_now) - t0 ))
wait_for 10 fo_served_is B || fail "the client is not served by B: '$(fo_served)'"
t_served=$(( $(ms_now) - t0 ))
fo_keepalived_gone A
wait_for 10 fo_log_has B "event=takeover site=vip endpoint=$VIP:443 proven_ms=" || fail "B's takeover not proven"
[ "$(served_fp $VIP 443 www.example.test)" = "$WANT_FP" ] || fail "B does not serve the site's certificate"
[ "$(grep -c 'Reloading HAProxy' "$T/B/haproxy.log")" -eq "$b_reloads" ] ||
	fail "B reloaded HAProxy for a takeover (nonlocal bind makes it needless)"
wait_for 10 fo_log_has A "event=released site=vip" || fail "A logged no release"
wait_for 10 sh -c "[ \"\$(cat $T/A/track)\" = 0 ]" || fail "A's track file is $(fo_track A) on standby"
[ "$(fo_state A)" = standby ] || fail "A is $(fo_state A), want standby"
note "keepalived stopped on A: VIP on B after ${t_vip} ms, client served by B after ${t_served} ms"
fo_stop_all
pass
