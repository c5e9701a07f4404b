#!/bin/bash
# SPDX-License-Identifier: MIT
# Scale: 10,000 sites and ~50,000 addresses on the host (the 762 documentation addresses on
# 66 interfaces). The daemon starts, and losing one address raises exactly the alerts of
# the 14 sites on it. Start-up time is printed (the benchmark measures it properly).
. "$(dirname "$0")/lib.sh"
base_setup
make_cert www www.example.test "DNS:www.example.test"
{
	for i in $(seq 0 64); do echo "link add v${i}a type veth peer name v${i}b"; echo "link set v${i}a up"; done
	for n in 192.0.2 198.51.100 203.0.113; do
		for h in $(seq 1 254); do
			echo "addr add $n.$h/24 dev cb0"
			for i in $(seq 0 64); do echo "addr add $n.$h/24 dev v${i}a"; done
		done
	done
} > "$T/addrs"
ip -batch "$T/addrs" || fail "cannot add the addresses"
naddr=$(ip -o addr show | wc -l)
[ "$naddr" -ge 50000 ] || fail "only $naddr addresses"
python3 - "$T" <<'EOPY'
import sys
t = sys.argv[1]
out = [f'global = {{ state_file = "{t}/state"; control_socket = "{t}/ctl.sock"; settle_ms = 200; }};',
       "sites = ("]
n = 0
sites = []
for net in ("192.0.2", "198.51.100", "203.0.113"):
    for h in range(1, 255):
        for port in range(443, 457):
            if n == 10000:
                break
            sites.append(f'{{ name = "s{n}"; address = "{net}.{h}"; port = {port}; interface = "cb0"; '
                         f'certificate = "{t}/www.pem"; key = "{t}/www.key"; on_change = "alert"; '
                         f'alert = {{ repeat_s = 0; }}; }}')
            n += 1
out.append(",\n".join(sites))
out.append(");")
open(f"{t}/certbind.conf", "w").write("\n".join(out) + "\n")
EOPY
t0=$(date +%s%N)
start_certbindd
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
note "10,000 sites, $naddr addresses: control socket answering and idle after $ms ms"
n=$(ctl --json status | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s["state"]=="bound" for s in d["sites"]), d["addresses"])')
[ "$n" = "10000 $naddr" ] || fail "bound sites and addresses: $n, want 10000 $naddr"
ip addr del 192.0.2.7/24 dev cb0
wait_for 20 log_count_ge 14 'event=address-lost' || fail "alerts missing: $(log_count 'event=address-lost')"
for p in $(seq 443 456); do
	log_has "event=address-lost site=s[0-9]+ endpoint=192\.0\.2\.7:$p " || fail "no alert for 192.0.2.7:$p"
done
# A second loss as a sentinel: once its 14 alerts are in, any extra from the first would be.
ip addr del 192.0.2.8/24 dev cb0
wait_for 20 log_count_ge 28 'event=address-lost' || fail "second alerts missing"
[ "$(log_count 'event=address-lost')" -eq 28 ] || fail "$(log_count 'event=address-lost') alerts, want 28"
pass
