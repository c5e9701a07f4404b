#!/bin/bash
# SPDX-License-Identifier: MIT
# The control socket: mode 0660; status --json parses and matches the state file; a peer
# that is neither root nor in the socket's group is refused, a member of the group (as a
# supplementary group) is served; a client that connects and sends nothing blocks no one.
. "$(dirname "$0")/lib.sh"
www_site alert
start_certbindd
# The state file follows the status within its write spacing (statefile.h).
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "the state file never said bound"
[ "$(stat -c %a "$T/ctl.sock")" = 660 ] || fail "socket mode $(stat -c %a "$T/ctl.sock")"
ctl --json status > "$T/status.json" || fail "status --json"
python3 - "$T/status.json" "$T/state" <<'EOPY' || fail "status --json does not match the state file"
import json, re, sys
st = json.load(open(sys.argv[1]))
state = open(sys.argv[2]).read()
for s in st["sites"]:
    m = re.search(r'site = "%s";\s*address = "([^"]+)";\s*port = (\d+);\s*fingerprint = "([^"]*)";\s*state = "(\w+)"' % s["name"], state)
    assert m, s["name"]
    assert s["endpoint"] == "%s:%s" % (m.group(1), m.group(2)), (s, m.groups())
    assert s["state"] == m.group(4) and s["fingerprint"] == m.group(3), (s, m.groups())
EOPY
# Refused by the peer-credential check (the file mode is opened up to reach it).
chmod 0666 "$T/ctl.sock"
chmod 0755 "$T"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CERTBINDCTL" -s "$T/ctl.sock" status 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "permission denied" || fail "nobody was not refused (exit $rc): $out"
log_has 'event=control-refused ' || fail "refusal not logged"
stop_certbindd
# The daemon takes the socket's group from the file it creates: pre-create the directory
# with the group set-gid so the socket inherits it.
mkdir -p "$T/run"; chgrp 4 "$T/run"; chmod 2775 "$T/run"
sed -i "s|control_socket = \"$T/ctl.sock\"|control_socket = \"$T/run/ctl.sock\"|" "$T/certbind.conf"
"$CERTBINDD" -f -c "$T/certbind.conf" >> "$T/certbindd.stderr" 2>&1 &
CB_PID=$!; PIDS="$PIDS $CB_PID"
wait_for 10 test -S "$T/run/ctl.sock" || fail "no socket"
[ "$(stat -c %g "$T/run/ctl.sock")" = 4 ] || fail "socket group not inherited"
out=$(setpriv --reuid=65534 --regid=65534 --groups=4 "$CERTBINDCTL" -s "$T/run/ctl.sock" status 2>&1); rc=$?
[ $rc -eq 0 ] || fail "a member of the socket's group was refused (exit $rc): $out"
# A silent client holds a connection; others are still served.
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(30)' "$T/run/ctl.sock" &
PIDS="$PIDS $!"
timeout 5 "$CERTBINDCTL" -s "$T/run/ctl.sock" status >/dev/null || fail "a silent client blocked others"
# A second certbindd while one runs: it says so and starts nothing (no event=started, no
# render, no reload).
started=$(log_count 'event=started')
reloads=$(nginx_reloads)
out=$("$CERTBINDD" -f -c "$T/certbind.conf" 2>&1); rc=$?
[ $rc -eq 69 ] || fail "a second certbindd: exit $rc, want 69: $out"
echo "$out" | grep -q "another certbindd is running (it answers on $T/run/ctl.sock): nothing started" ||
	fail "a second certbindd does not say why: $out"
[ "$(log_count 'event=started')" -eq "$started" ] || fail "a second certbindd logged event=started"
[ "$(nginx_reloads)" -eq "$reloads" ] || fail "a second certbindd reloaded nginx"
kill -0 "$CB_PID" || fail "the running certbindd died"
pass
