#!/bin/bash
# SPDX-License-Identifier: MIT
# certbindctl rebind: to an explicit address, exit 0 and served; to an address where the
# server cannot take the endpoint (something else holds it), exit 1 and rolled back.
. "$(dirname "$0")/lib.sh"
www_site rebind 'verify = { timeout_ms = 1500; };'
make_cert www www.example.test "DNS:www.example.test"    # no IP SANs: any address is fine
make_cert other other.example.test "DNS:other.example.test"
WANT_FP=$(file_fp "$T/www.pem")
ip addr add 192.0.2.202/24 dev cb0
ip addr add 192.0.2.203/24 dev cb0
# Something else (no TLS at all) already listens on 192.0.2.203:443.
python3 -c 'import socket,time; s=socket.socket(); s.bind(("192.0.2.203",443)); s.listen(); time.sleep(600)' &
PIDS="$PIDS $!"
wait_for 10 sh -c "ss -ltn | grep -q '192.0.2.203:443'" || fail "squatter did not listen"
start_certbindd
out=$(ctl rebind www 192.0.2.202 2>&1); rc=$?
[ $rc -eq 0 ] || fail "rebind to 192.0.2.202: exit $rc: $out"
[ "$(served_fp 192.0.2.202 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.202 not served"
log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.202:443' || fail "no rebind event"
cp "$T/nginx/www.conf" "$T/before"
out=$(ctl rebind www 192.0.2.203 2>&1); rc=$?
[ $rc -eq 1 ] || fail "rebind to 192.0.2.203: exit $rc, want 1: $out"
echo "$out" | grep -q "verification of 192.0.2.203:443 failed" || fail "no reason printed: $out"
cmp -s "$T/nginx/www.conf" "$T/before" || fail "snippet not rolled back"
log_has 'event=rebind-failed site=www old=192\.0\.2\.202:443 new=192\.0\.2\.203:443 .*rollback=yes' ||
	fail "no rebind-failed with rollback"
[ "$(served_fp 192.0.2.202 443 www.example.test)" = "$WANT_FP" ] || fail "192.0.2.202 no longer served"
ctl status | grep -Eq '^www +192\.0\.2\.202:443 +bound' || fail "binding not kept"
# Refusals: absent address, unknown site, garbage.
ctl rebind www 198.51.100.99 >/dev/null 2>&1; [ $? -eq 1 ] || fail "absent address: want exit 1"
ctl rebind nosuch >/dev/null 2>&1; [ $? -eq 64 ] || fail "unknown site: want exit 64"
# A malformed address is a usage error, said before anything is sent.
out=$(ctl rebind www not-an-ip 2>&1); rc=$?
[ $rc -eq 64 ] || fail "bad address: exit $rc, want 64"
echo "$out" | grep -q '"not-an-ip" is not an address: give an IPv4 address' ||
	fail "bad address: no message saying what an address looks like: $out"
out=$("$CERTBINDCTL" -s "$T/nonexistent.sock" rebind www 192.0.2.300 2>&1); rc=$?
[ $rc -eq 64 ] || fail "bad address without a daemon: exit $rc, want 64 (not 69): $out"
ctl frobnicate >/dev/null 2>&1; [ $? -eq 64 ] || fail "unknown command: want exit 64"
pass
