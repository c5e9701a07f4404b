#!/bin/bash
# SPDX-License-Identifier: MIT
# Idle control connections cannot starve a rebind of descriptors. certbindd runs with
# RLIMIT_NOFILE 1024 (soft and hard: systemd's default soft limit, and no room to raise it);
# a member of the group keeps 1,100 connections open (reconnecting whatever certbindd drops)
# and sends nothing. A renumbering meanwhile is rebound and served, and certbindctl still gets
# answers once the flood is gone.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
( ulimit -n 1024 && exec "$CERTBINDD" -f -c "$T/certbind.conf" >> "$T/certbindd.stderr" 2>&1 ) &
CB_PID=$!
PIDS="$PIDS $CB_PID"
wait_for 15 test -S "$T/ctl.sock" || fail "certbindd did not open its control socket"
wait_idle || fail "start-up did not finish"
grep -q '^Max open files *1024 *1024' "/proc/$CB_PID/limits" || fail "the limit is not 1024: $(grep 'open files' /proc/$CB_PID/limits)"
# One process, 1,100 idle connections kept open (one interpreter start, not one per connection).
python3 - "$T/ctl.sock" "$T/flood.ready" <<'EOPY' &
import resource, select, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
def connect():
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except (BlockingIOError, ConnectionRefusedError, OSError):
        s.close()
        return None
    return s
held, ready, t0 = [], False, time.time()
end = t0 + 120
while time.time() < end:
    while len(held) < 1100:
        s = connect()
        if not s:
            break
        held.append(s)
    # Ready once 1,100 are open, or once the daemon stops taking more (5 s).
    if not ready and (len(held) >= 1100 or time.time() > t0 + 5):
        open(sys.argv[2], "w").write("%d\n" % len(held))
        ready = True
    # Whatever the daemon answered or closed is replaced by a fresh idle connection.
    p = select.poll()
    for s in held:
        p.register(s, select.POLLIN)
    gone = {fd for fd, _ in p.poll(200)}
    for s in [s for s in held if s.fileno() in gone]:
        held.remove(s)
        s.close()
EOPY
FLOOD=$!
PIDS="$PIDS $FLOOD"
wait_for 30 test -s "$T/flood.ready" || fail "the flood could not connect"
fds=$(ls "/proc/$CB_PID/fd" | wc -l)
[ "$fds" -lt 200 ] || fail "certbindd holds $fds descriptors during the flood"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=(rebind|rebind-failed) site=www' || fail "no outcome for the rebind"
log_has 'event=rebind-failed' && fail "the rebind failed during the flood: $(grep rebind-failed "$T/syslog")"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$WANT_FP" ] || fail ".201 not served"
kill "$FLOOD"; wait "$FLOOD" 2>/dev/null
wait_for 10 sh -c "'$CERTBINDCTL' -s '$T/ctl.sock' status | grep -Eq '^www +192\.0\.2\.201:443 +bound'" ||
	fail "certbindctl gets no answer after the flood"
pass
