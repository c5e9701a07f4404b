#!/bin/bash
# SPDX-License-Identifier: MIT
# sd_notify against a real NOTIFY_SOCKET listener: READY=1 only after the start-up
# reconciliation (its slow reload has finished), STATUS= lines, watchdog pings at about
# half of WATCHDOG_USEC, RELOADING=1/READY=1 around SIGHUP, STOPPING=1 at SIGTERM.
. "$(dirname "$0")/lib.sh"
www_site rebind
cat > "$T/slow-reload" <<EOS
#!/bin/sh
sleep 0.7
touch $T/reload-done
exec /usr/sbin/nginx -e $T/nginx-error.log -c $T/nginx.conf -s reload
EOS
chmod +x "$T/slow-reload"
sed -i "s|reload = \[.*\];|reload = [ \"$T/slow-reload\" ];|" "$T/certbind.conf"
python3 - "$T/notify.sock" "$T/notify.log" <<'EOPY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg = s.recv(4096).decode()
        for line in msg.splitlines():
            log.write("%.3f %s\n" % (time.time(), line))
EOPY
PIDS="$PIDS $!"
wait_for 5 test -S "$T/notify.sock" || fail "no notify listener"
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 start_certbindd
wait_for 10 grep -q ' READY=1$' "$T/notify.log" || fail "no READY=1"
test -e "$T/reload-done" || fail "READY=1 before the start-up reload finished"
ready=$(awk '$2 == "READY=1" {print $1; exit}' "$T/notify.log")
done_at=$(stat -c %.3Y "$T/reload-done")
python3 -c "import sys; sys.exit(0 if $ready >= $done_at else 1)" ||
	fail "READY=1 ($ready) came before the reconciliation finished ($done_at)"
grep -q ' STATUS=1 site: 1 bound, 0 unbound, 0 failed$' "$T/notify.log" || fail "no STATUS line"
wait_for 10 sh -c "[ \$(grep -c ' WATCHDOG=1$' '$T/notify.log') -ge 6 ]" || fail "too few watchdog pings"
python3 - "$T/notify.log" <<'EOPY' || fail "watchdog cadence is not about half of WATCHDOG_USEC"
import statistics, sys
t = [float(l.split()[0]) for l in open(sys.argv[1]) if l.split()[1] == "WATCHDOG=1"]
gaps = [b - a for a, b in zip(t, t[1:])]
m = statistics.median(gaps)
print("  watchdog: %d pings, median gap %.3f s" % (len(t), m))
sys.exit(0 if 0.4 <= m <= 0.6 else 1)
EOPY
kill -HUP "$CB_PID"
wait_for 10 grep -q ' RELOADING=1$' "$T/notify.log" || fail "no RELOADING=1"
wait_for 10 sh -c "[ \$(grep -c ' READY=1$' '$T/notify.log') -ge 2 ]" || fail "no READY=1 after the reload"
stop_certbindd
grep -q ' STOPPING=1$' "$T/notify.log" || fail "no STOPPING=1"
pass
