#!/bin/bash
# SPDX-License-Identifier: MIT
# A duplicate IPv6 address (the same on both ends of the veth, DAD on): dad-failed, and no
# rebind to it.
. "$(dirname "$0")/lib.sh"
v6_site rebind
sysctl -qw net.ipv6.conf.cb0.accept_dad=1 net.ipv6.conf.cb0.dad_transmits=1
ip addr add 2001:db8::202/64 dev cb1 nodad
start_certbindd
ip addr del 2001:db8::200/64 dev cb0
ip addr add 2001:db8::202/64 dev cb0
wait_for 15 log_has '^err certbind\[[0-9]+\]: event=dad-failed site=www address=2001:db8::202 interface=cb0' ||
	fail "no dad-failed"
ip -6 addr show dev cb0 | grep -q '2001:db8::202/64.*dadfailed' || fail "kernel did not mark it dadfailed"
wait_for 10 log_has 'event=no-candidate site=www' || fail "no no-candidate after DAD failed"
log_has 'event=rebind ' && fail "rebound to a dadfailed address"
pass
