#!/bin/bash
# SPDX-License-Identifier: MIT
# A failover pair with real keepalived (VRRP v3) and a real nginx on each host, the client on
# the bridge between them. The standby is standby (no loss, no alert, track file 0); a VIP
# that moves is proven where it lands (event=takeover); a host whose nginx dies while it holds
# the VIP writes 1 to its track file, keepalived moves the VIP and the client is served by
# the peer; once nginx is back the host is ready again and takes the VIP back (preemption);
# when certbindd itself dies there, keepalived (vrrp_script pgrep) moves the VIP away.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover.inc"
fo_world nginx
fo_check_start

# keepalived on A stops: B takes the VIP over, proven (no reload: nginx listens on the VIP
# already); A releases it and stays ready.
b_reloads=$(grep -c 'signal 1 (SIGHUP) received' "$T/B/nginx-error.log")
t0=$(ms_now)
fo_keepalived_stop A
wait_for 10 fo_has_vip B || fail "B never took the VIP"
t_vip=$(( $(ms_now) - t0 ))
wait_for 10 fo_served_is B || fail "the client is not served by B: '$(fo_served)'"
t_served=$(( $(ms_now) - t0 ))
fo_keepalived_gone A
wait_for 10 fo_log_has B "event=takeover site=vip endpoint=$VIP:443 proven_ms=[0-9]+" ||
	fail "B took the VIP over but no takeover was proven"
wait_for 10 fo_log_has A "event=released site=vip" || fail "A logged no release"
wait_for 10 sh -c "[ \"\$(cat $T/A/track)\" = 0 ]" || fail "A's track file is $(fo_track A) on standby"
[ "$(fo_state A)" = standby ] || fail "A is $(fo_state A) after releasing, want standby"
[ "$(grep -c 'signal 1 (SIGHUP) received' "$T/B/nginx-error.log")" -eq "$b_reloads" ] ||
	fail "B reloaded nginx for its takeover"
[ "$(fo_state B)" = bound ] || fail "B is $(fo_state B) after its takeover, want bound"
fo_log_has A "event=address-lost" && fail "A logged address-lost for a released VIP"
note "keepalived stopped on A: VIP on B after ${t_vip} ms, client served by B after ${t_served} ms ($(grep -Eo 'event=takeover.*proven_ms=[0-9]+' "$T/B/syslog" | tail -n 1 | grep -Eo 'proven_ms=[0-9]+'))"

# A comes back with the higher priority: it takes the VIP back, B releases to standby.
fo_keepalived_start A
wait_for 10 fo_has_vip A || fail "A did not take the VIP back"
wait_for 10 fo_served_is A || fail "the client is not served by A again: '$(fo_served)'"
wait_for 10 fo_log_has B "event=released site=vip" || fail "B logged no release"
wait_for 10 sh -c "[ \"\$(cat $T/B/track)\" = 0 ] && [ \"\$(cat $T/A/track)\" = 0 ]" ||
	fail "track files A=$(fo_track A) B=$(fo_track B) after A's return"
wait_for 10 sh -c "[ \"\$(grep -c 'event=takeover' $T/A/syslog)\" -ge 2 ]" || fail "A's second takeover not proven"
[ "$(fo_state B)" = standby ] || fail "B is $(fo_state B), want standby"

# nginx dies on A while it holds the VIP: A's track file reads 1, the VIP moves to B.
a_nginx=$(cat "$T/A/nginx.pid")
t0=$(ms_now)
fo_in A kill -KILL "$a_nginx"
fo_in A sh -c "pkill -KILL -f 'nginx: worker'" 2>/dev/null
wait_for 10 sh -c "[ \"\$(cat $T/A/track)\" = 1 ]" || fail "A's track file never read 1"
t_track=$(( $(ms_now) - t0 ))
wait_for 10 fo_has_vip B || fail "keepalived did not move the VIP to B"
t_vip=$(( $(ms_now) - t0 ))
wait_for 10 fo_served_is B || fail "the client is not served by B: '$(fo_served)'"
t_served=$(( $(ms_now) - t0 ))
fo_log_has A "event=failover-unhealthy site=vip endpoint=$VIP:443 reason=" ||
	fail "A did not say why it gave the VIP up"
grep -q failover-unhealthy "$T/A/alerts" || fail "A's alert command was not run"
wait_for 10 fo_log_has B "event=takeover .*" || fail "B's takeover not proven"
wait_for 10 sh -c "[ \"\$(fo_state A)\" = standby ]" 2>/dev/null || [ "$(fo_state A)" = standby ] ||
	fail "A is $(fo_state A) after the VIP left, want standby"
[ "$(fo_track A)" = 1 ] || fail "A's track file reads $(fo_track A) while its nginx is dead"
fo_ctl A --json show vip | grep -q '"healthy": *false' || fail "show on A does not say unhealthy"
note "nginx killed on A: track file 1 after ${t_track} ms, VIP on B after ${t_vip} ms, client served by B after ${t_served} ms"

# nginx back on A: ready again (track 0), and A, preferred, takes the VIP back, proven.
fo_in A /usr/sbin/nginx -e "$T/A/nginx-error.log" -c "$T/A/nginx.conf" || fail "nginx did not restart on A"
wait_for 15 sh -c "[ \"\$(cat $T/A/track)\" = 0 ]" || fail "A never became ready again"
fo_log_has A "event=failover-ready site=vip" || fail "A did not say it is ready again"
wait_for 10 fo_served_is A || fail "the client is not served by A after its recovery: '$(fo_served)'"
wait_for 10 sh -c "[ \"\$(grep -c 'event=takeover' $T/A/syslog)\" -ge 3 ]" || fail "A's takeover after recovery not proven"

# certbindd dies on A while it holds the VIP (its last verdict, 0, stays in the file): the
# README's vrrp_script (pgrep) puts A in FAULT, and B takes over, proven.
n_takeovers=$(grep -c 'event=takeover' "$T/B/syslog")
fo_in A sh -c "kill -KILL \$(cat '$T/A/certbindd.pid')"
wait_for 15 fo_has_vip B || fail "certbindd died on A but the VIP stayed there"
wait_for 10 fo_served_is B || fail "the client is not served by B: '$(fo_served)'"
wait_for 10 sh -c "[ \"\$(grep -c 'event=takeover' $T/B/syslog)\" -gt $n_takeovers ]" ||
	fail "B's takeover after A's certbindd died not proven"
fo_stop_all
pass
