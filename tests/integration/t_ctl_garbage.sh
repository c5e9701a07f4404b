#!/bin/bash
# SPDX-License-Identifier: MIT
# Control socket robustness: garbage, oversized, NUL-laden and half-sent requests get an
# error, and none of them stalls the loop for other clients.
. "$(dirname "$0")/lib.sh"
www_site alert
start_certbindd
ask() { python3 - "$T/ctl.sock" "$1" <<'EOPY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(bytes.fromhex(sys.argv[2]))
data = b""
while True:
    try:
        chunk = s.recv(4096)
    except (socket.timeout, ConnectionResetError):
        break
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace").strip())
EOPY
}
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
ask "$(hex $'frobnicate\n')" | grep -q '"ok":false,"error":"unknown command' || fail "garbage command"
ask "$(hex $'\x01\x02\x03\n')" | grep -q '"ok":false,"error":"request contains control characters"' || fail "binary garbage"
ask "$(hex 'status')00$(hex $'\n')" | grep -q '"ok":false,"error":"request contains a NUL byte"' || fail "NUL byte"
ask "$(head -c 3000 /dev/zero | tr '\0' a | od -An -v -tx1 | tr -d ' \n')" | grep -q '"error":"request too long"' || fail "oversized"
ask "$(hex $'show\n')" | grep -q '"error":"show takes 1 to 1 arguments"' || fail "missing argument"
# Half-sent: an open request with no end; meanwhile others are served; then it times out.
python3 - "$T/ctl.sock" > "$T/half.out" <<'EOPY' &
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(sys.argv[1])
s.sendall(b"sta")
print(s.recv(4096).decode().strip())
EOPY
half=$!
for i in 1 2 3; do timeout 3 "$CERTBINDCTL" -s "$T/ctl.sock" status > /dev/null || fail "a half-sent request blocked others"; done
wait "$half"
grep -q '"error":"timed out waiting for a request line"' "$T/half.out" || fail "half-sent request not timed out: $(cat "$T/half.out")"
pass
