#!/bin/bash
# SPDX-License-Identifier: MIT
# Crash consistency: 150 rebind cycles (the address moving back and forth), the daemon
# killed with SIGKILL at a random moment in each. After every kill, the rendered file and
# the state file are each complete (old or new, never empty or partial) and no temporary
# file is visible to the server's include; after the last restart the daemon reconciles to
# the right binding and nginx serves the certificate there. No interpreter runs in the loop:
# it must pass on a loaded machine well within its time limit.
. "$(dirname "$0")/lib.sh"
CYCLES=${CYCLES:-150}
SETTLE_MS=50 www_site rebind
start_certbindd
for a in 200 201; do
	sed "s/192\.0\.2\.200:443/192.0.2.$a:443/" "$T/nginx/www.conf" > "$T/expect-$a"
done
check_files() {
	local ok=0 a
	for a in 200 201; do cmp -s "$T/nginx/www.conf" "$T/expect-$a" && ok=1; done
	[ $ok -eq 1 ] || fail "cycle $1: torn snippet: $(od -c "$T/nginx/www.conf" | head -5)"
	# Complete: the header first, the list closed last, and the binding in between.
	head -n 1 "$T/state" | grep -q '^# certbind state' &&
		grep -v '^[[:space:]]*$' "$T/state" | tail -n 1 | grep -q ');$' &&
		tr -d '\n' < "$T/state" | grep -Eq 'site = "www";[[:space:]]*address = "192\.0\.2\.20[01]";[[:space:]]*port = 443;' ||
		fail "cycle $1: torn state file: $(cat "$T/state")"
	ls "$T/nginx" | grep -v '^www\.conf$' | grep -q '\.conf$' && fail "cycle $1: a temporary file matches *.conf"
	return 0
}
cur=200 kills=0
for i in $(seq "$CYCLES"); do
	new=$((cur == 200 ? 201 : 200))
	ip addr del 192.0.2.$cur/24 dev cb0
	ip addr add 192.0.2.$new/24 dev cb0
	cur=$new
	# A random moment: anywhere from before the settle (50 ms) to after the verification.
	sleep "0.$(printf '%03d' $((RANDOM % 250)))"
	kill -KILL "$CB_PID" 2>/dev/null && kills=$((kills + 1))
	wait "$CB_PID" 2>/dev/null
	check_files "$i"
	"$CERTBINDD" -f -c "$T/certbind.conf" >> "$T/certbindd.stderr" 2>&1 &
	CB_PID=$!
	PIDS="$PIDS $CB_PID"
done
note "$CYCLES cycles, $kills kills, $(log_count 'event=rebind ') rebinds committed, $(ls -a "$T/nginx" | grep -c certbind-) temporary files at the last kill"
wait_for 15 test -S "$T/ctl.sock" || fail "no control socket after the last restart"
wait_idle || fail "not idle after the last restart"
wait_for 15 sh -c "'$CERTBINDCTL' -s '$T/ctl.sock' status | grep -Eq '^www +192\.0\.2\.$cur:443 +bound'" ||
	fail "did not reconcile to 192.0.2.$cur: $(ctl status)"
cmp -s "$T/nginx/www.conf" "$T/expect-$cur" || fail "snippet not for 192.0.2.$cur"
[ "$(served_fp 192.0.2.$cur 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.$cur:443 not served"
[ "$(ls -a "$T/nginx" | grep -c certbind-)" -eq 0 ] || fail "temporary files not cleaned up at start"
pass
