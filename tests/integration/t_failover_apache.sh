#!/bin/bash
# SPDX-License-Identifier: MIT
# A failover pair with real keepalived and Debian's Apache httpd on each host: A holds the VIP,
# proven; B is standby; Apache dies on A while it holds the VIP: A's track file reads 1,
# keepalived moves the VIP, B's takeover is proven and the client is served by B.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover.inc"
fo_world apache
fo_check_start
fo_served_is A /host.txt || fail "Apache on A does not serve its page: '$(fo_served /host.txt)'"
t0=$(ms_now)
fo_in A sh -c "kill -KILL \$(cat '$T/A/apache/httpd.pid'); pkill -KILL -x apache2" 2>/dev/null
wait_for 10 sh -c "[ \"\$(cat $T/A/track)\" = 1 ]" || fail "A's track file never read 1"
wait_for 10 fo_has_vip B || fail "keepalived did not move the VIP to B"
t_vip=$(( $(ms_now) - t0 ))
wait_for 10 fo_served_is B /host.txt || fail "the client is not served by B: '$(fo_served /host.txt)'"
t_served=$(( $(ms_now) - t0 ))
[ "$(served_fp $VIP 443 www.example.test)" = "$WANT_FP" ] || fail "B does not serve the site's certificate"
fo_log_has A "event=failover-unhealthy site=vip" || fail "A did not say why it gave the VIP up"
wait_for 10 fo_log_has B "event=takeover site=vip endpoint=$VIP:443 proven_ms=" || fail "B's takeover not proven"
[ "$(fo_state B)" = bound ] || fail "B is $(fo_state B), want bound"
fo_has_vip A && fail "A still holds the VIP"
note "Apache killed on A: VIP on B after ${t_vip} ms, client served by B after ${t_served} ms"
fo_stop_all
pass
