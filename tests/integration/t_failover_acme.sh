#!/bin/bash
# SPDX-License-Identifier: MIT
# IP certificates for a VIP, all real (keepalived, nginx, pebble, uacme): neither host has a
# certificate at first. The standby never issues (it could not pass http-01: the VIP is on
# the peer) and counts as ready; the host that takes the VIP over issues there, proves it,
# and only then reports the takeover. When the VIP moves, the peer does the same.
# time-limit: 300
. "$(dirname "$0")/lib.sh"
PEBBLE_ADDR=192.0.2.10
. "$(dirname "$0")/acme.inc"
. "$(dirname "$0")/failover.inc"
ip link set lo up
ip link add br0 type bridge mcast_snooping 0 || fail "cannot create the bridge"
ip link set br0 up
ip addr add 192.0.2.10/24 dev br0
make_cert vip boot.example.test "DNS:boot.example.test"    # nginx's placeholder until issued
cp -p "$T/vip.key" "$T/vip.pem.key"
pebble_start
pebble_root
export FO_ACME=$PEBBLE_ADDR
fo_host A 192.0.2.1 150 nginx
fo_host B 192.0.2.2 100 nginx
for h in A B; do
	[ "$(fo_track $h)" = 0 ] || fail "$h: track file $(fo_track $h): a standby that will issue on takeover is ready"
	fo_log_has $h "event=(issued|issue-failed)" && fail "$h issued while standby"
done

fo_keepalived_start A
fo_keepalived_start B
wait_for 20 fo_has_vip A || fail "keepalived on A never took the VIP"
wait_for 60 fo_log_has A "event=issued site=vip address=$VIP " || fail "A did not issue for the VIP it took over"
wait_for 30 fo_log_has A "event=takeover site=vip endpoint=$VIP:443 proven_ms=" || fail "A's takeover not proven"
# Issued, then proven: the takeover comes after the certificate.
[ "$(grep -nE 'event=(issued|takeover)' "$T/A/syslog" | head -n 1 | grep -c issued)" = 1 ] ||
	fail "A reported its takeover before it had a certificate"
wait_for 10 fo_served_is A || fail "the client is not served by A: '$(fo_served)'"
[ "$(served_fp $VIP 443 www.example.test)" = "$(file_fp "$T/A/acme/$VIP/cert.pem")" ] ||
	fail "the VIP does not serve A's issued certificate"
echo | openssl s_client -connect "$VIP:443" -verify_ip "$VIP" -CAfile "$T/pebble-root.pem" \
	-verify_return_error 2>/dev/null | grep -q 'Verify return code: 0 (ok)' ||
	fail "a client connecting to the VIP does not accept A's chain"
[ "$(fo_state B)" = standby ] || fail "B is $(fo_state B), want standby"
fo_log_has B "event=(issued|issue-failed)" && fail "B tried to issue while standby"
[ "$(fo_track A)" = 0 ] && [ "$(fo_track B)" = 0 ] || fail "track files A=$(fo_track A) B=$(fo_track B)"

# The VIP moves to B: B issues for it there, proves it, then reports the takeover.
fo_keepalived_stop A
wait_for 10 fo_has_vip B || fail "B never took the VIP"
wait_for 60 fo_log_has B "event=issued site=vip address=$VIP " || fail "B did not issue on its takeover"
wait_for 30 fo_log_has B "event=takeover site=vip endpoint=$VIP:443 proven_ms=" || fail "B's takeover not proven"
wait_for 10 fo_served_is B || fail "the client is not served by B: '$(fo_served)'"
[ "$(served_fp $VIP 443 www.example.test)" = "$(file_fp "$T/B/acme/$VIP/cert.pem")" ] ||
	fail "the VIP does not serve B's issued certificate"
fo_keepalived_gone A
wait_for 10 fo_log_has A "event=released site=vip" || fail "A logged no release"
note "B's takeover with a new certificate: $(grep -Eo 'proven_ms=[0-9]+' "$T/B/syslog" | tail -n 1)"
fo_stop_all
pass
