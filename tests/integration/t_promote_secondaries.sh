#!/bin/bash
# SPDX-License-Identifier: MIT
# promote_secondaries off on the interface an IPv4 rebind site follows: said at start, with
# what it costs (a same-subnet renumbering by hand loses both addresses) and the fix; not
# said where it is on.
. "$(dirname "$0")/lib.sh"
www_site rebind
sysctl -qw net.ipv4.conf.all.promote_secondaries=0 net.ipv4.conf.cb0.promote_secondaries=0
start_certbindd
log_has '^warning certbind\[[0-9]+\]: event=promote-secondaries-off interface=cb0 site=www reason=".*loses both addresses" hint="sysctl -w net\.ipv4\.conf\.cb0\.promote_secondaries=1' ||
	fail "no promote-secondaries-off at start: $(grep promote "$T/syslog")"
# The kernel does what the warning says: the secondary goes with the primary.
ip addr add 192.0.2.201/24 dev cb0
ip addr del 192.0.2.200/24 dev cb0
ip -o addr show dev cb0 | grep -q '192\.0\.2\.201' && fail "test premise: the secondary survived"
stop_certbindd
sysctl -qw net.ipv4.conf.cb0.promote_secondaries=1
ip addr add 192.0.2.200/24 dev cb0
start_certbindd
[ "$(log_count 'event=promote-secondaries-off')" -eq 1 ] || fail "said again with promote_secondaries on"
pass
