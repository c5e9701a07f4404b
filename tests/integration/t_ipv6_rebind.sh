#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 rebind 2001:db8::200 -> 2001:db8::201 with DAD on (veth peer up, 2 probes): the
# rebind waits for DAD to finish (no alarm meanwhile), then [2001:db8::201]:443 serves.
. "$(dirname "$0")/lib.sh"
v6_site rebind
sysctl -qw net.ipv6.conf.cb0.accept_dad=1 net.ipv6.conf.cb0.dad_transmits=2
start_certbindd
ctl status | grep -Eq '^www +\[2001:db8::200\]:443 +bound' || fail "not bound at start"
ip addr del 2001:db8::200/64 dev cb0
ip addr add 2001:db8::201/64 dev cb0
tentative cb0 2001:db8::201 || fail "the new address is not tentative: DAD is not running"
wait_for 10 log_has 'event=address-lost site=www' || fail "no address-lost"
tentative cb0 2001:db8::201 || fail "DAD finished before settle_ms: the test proves nothing"
log_has 'event=rebind' && fail "rebound to a tentative address"
wait_for 15 log_has 'event=rebind site=www old=\[2001:db8::200\]:443 new=\[2001:db8::201\]:443 fingerprint=SHA256:' ||
	fail "no rebind after DAD"
log_has 'event=(no-candidate|rebind-failed)' && fail "alarm while DAD was running"
grep -q '^listen \[2001:db8::201\]:443 ssl;$' "$T/nginx/www.conf" || fail "snippet lacks the IPv6 endpoint"
[ "$(served_fp '[2001:db8::201]' 443 www.example.test)" = "$WANT_FP" ] || fail "[2001:db8::201]:443 not served"
pass
