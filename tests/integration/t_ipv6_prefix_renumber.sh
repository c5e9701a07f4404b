#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 prefix renumbering with stable interface identifiers: five sites on
# 2001:db8:1::10-14/64 (one nginx), the prefix changes to 2001:db8:2::/64 with the same
# identifiers (and a newer, unrelated address too). With follow.host_part = "same" every
# site lands on its own counterpart (2001:db8:1::12 -> 2001:db8:2::12), proven and served.
. "$(dirname "$0")/lib.sh"
base_setup
make_cert www www.example.test "DNS:www.example.test"
SITES="10 11 12 13 14"
NGINX_SITES="$(for h in $SITES; do printf 's%s ' $h; done)" write_nginx_conf
{
	echo "global = { state_file = \"$T/state\"; control_socket = \"$T/ctl.sock\"; settle_ms = 300; nonlocal_bind = \"enable\"; };"
	echo "sites = ("
	for h in $SITES; do
		ip addr add 2001:db8:1::$h/64 dev cb0 nodad
		printf 'listen [2001:db8:1::%s]:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
			$h "$T/www.pem" "$T/www.key" > "$T/nginx/s$h.conf"
		echo "{ name = \"s$h\"; address = \"2001:db8:1::$h\"; port = 443; certificate = \"$T/www.pem\"; key = \"$T/www.key\";"
		echo "  on_change = \"rebind\"; follow = { interface = \"cb0\"; host_part = \"same\"; };"
		echo "  targets = ( { type = \"nginx\"; output = \"$T/nginx/s$h.conf\"; } ); reload = $NGINX_RELOAD; }$([ $h != 14 ] && echo ,)"
	done
	echo ");"
} > "$T/certbind.conf"
start_nginx
start_certbindd
{
	for h in $SITES; do echo "addr add 2001:db8:2::$h/64 dev cb0 nodad"; done
	echo "addr add 2001:db8:2::99/64 dev cb0 nodad"   # the newest: without host_part, everyone's first choice
	for h in $SITES; do echo "addr del 2001:db8:1::$h/64 dev cb0"; done
} > "$T/renumber"
ip -batch "$T/renumber" || fail "ip -batch"
wait_for 30 log_count_ge 5 'event=rebind site=s' || fail "only $(log_count 'event=rebind site=s') of 5 rebound"
for h in $SITES; do
	log_has "event=rebind site=s$h old=\[2001:db8:1::$h\]:443 new=\[2001:db8:2::$h\]:443 " || fail "s$h not on 2001:db8:2::$h"
	[ "$(served_fp "[2001:db8:2::$h]" 443)" = "$(file_fp "$T/www.pem")" ] || fail "[2001:db8:2::$h]:443 not served"
done
log_has 'new=\[2001:db8:2::99\]' && fail "a site took the unrelated address"
pass
