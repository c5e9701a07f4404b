#!/bin/bash
# SPDX-License-Identifier: MIT
# Link down on the interface of an IPv6 site: the kernel drops its addresses, and the site's
# policy runs (alert); link up again and the address back: address-restored.
. "$(dirname "$0")/lib.sh"
v6_site alert
start_certbindd
ip link set cb0 down
wait_for 5 sh -c '! ip -6 addr show dev cb0 | grep -q 2001:db8::200' ||
	fail "the kernel kept the address on link down (keep_addr_on_down?)"
wait_for 10 log_has 'event=address-lost site=www endpoint=\[2001:db8::200\]:443 action=alert' ||
	fail "no address-lost on link down"
ip link set cb0 up
ip addr add 2001:db8::200/64 dev cb0 nodad
wait_for 10 log_has 'event=address-restored site=www endpoint=\[2001:db8::200\]:443' ||
	fail "no address-restored"
pass
