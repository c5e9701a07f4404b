#!/bin/bash
# SPDX-License-Identifier: MIT
# Renumbering at scale: 250 rebind sites on one nginx (and 750 alert-only sites) on
# 192.0.2.1-250/24; 200 of them are renumbered in one `ip -batch` to 198.51.100.0/24 with
# follow.host_part = "same". Every one is rebound to its own counterpart (192.0.2.17 ->
# 198.51.100.17), proven and committed, with at most 3 nginx reloads and never two at once
# (the reload command is wrapped and records overlaps). Start-up: one reload for all 250.
. "$(dirname "$0")/lib.sh"
base_setup
make_cert www www.example.test "DNS:www.example.test"
N=${N:-250} MOVE=${MOVE:-200}
mkdir -p "$T/nginx" "$T/nginx-tmp"
printf '#!/bin/sh\necho start >> %s/reloads\nmkdir %s/lock 2>/dev/null || echo OVERLAP >> %s/reloads\n/usr/sbin/nginx -e %s/nginx-error.log -c %s/nginx.conf -s reload\nrc=$?\nrmdir %s/lock\nexit $rc\n' \
	"$T" "$T" "$T" "$T" "$T" "$T" > "$T/reload"
chmod +x "$T/reload"
{
	echo "user root; worker_processes 1; daemon on; pid $T/nginx.pid;"
	echo "error_log $T/nginx-error.log notice; worker_rlimit_nofile 4096;"
	echo "events { worker_connections 1024; }"
	echo "http { access_log off; ssl_certificate $T/www.pem; ssl_certificate_key $T/www.key;"
	echo "  client_body_temp_path $T/nginx-tmp/body; proxy_temp_path $T/nginx-tmp/proxy;"
	echo "  fastcgi_temp_path $T/nginx-tmp/fcgi; uwsgi_temp_path $T/nginx-tmp/uwsgi; scgi_temp_path $T/nginx-tmp/scgi;"
	for i in $(seq 1 "$N"); do echo "  server { include $T/nginx/s$i.conf; location / { return 200; } }"; done
	echo "}"
} > "$T/nginx.conf"
{
	echo "global = { state_file = \"$T/state\"; control_socket = \"$T/ctl.sock\"; settle_ms = 300; nonlocal_bind = \"enable\"; };"
	echo "sites = ("
	for i in $(seq 1 "$N"); do
		echo "addr add 192.0.2.$i/24 dev cb0" >> "$T/addrs"
		printf 'listen 192.0.2.%s:443 ssl;\n' "$i" > "$T/nginx/s$i.conf"
		echo "{ name = \"s$i\"; address = \"192.0.2.$i\"; port = 443; certificate = \"$T/www.pem\"; key = \"$T/www.key\";"
		echo "  on_change = \"rebind\"; follow = { interface = \"cb0\"; host_part = \"same\"; };"
		echo "  targets = ( { type = \"nginx\"; output = \"$T/nginx/s$i.conf\"; } ); reload = [ \"$T/reload\" ]; },"
	done
	# 750 alert-only sites on addresses of their own (present, and untouched).
	for h in $(seq 1 250); do
		echo "addr add 203.0.113.$h/24 dev cb1" >> "$T/addrs"
		for p in 443 444 445; do
			echo "{ name = \"a$h-$p\"; address = \"203.0.113.$h\"; port = $p; certificate = \"$T/www.pem\"; key = \"$T/www.key\"; },"
		done
	done
	echo "{ name = \"last\"; address = \"203.0.113.254\"; port = 443; certificate = \"$T/www.pem\"; key = \"$T/www.key\"; } );"
} > "$T/certbind.conf"
ip -batch "$T/addrs" || fail "cannot add the addresses"
start_nginx
start_certbindd
[ "$(grep -c start "$T/reloads")" -eq 1 ] || fail "start-up: $(grep -c start "$T/reloads") reloads, want 1"
[ "$(ctl status | grep -c ' bound ')" -ge "$N" ] || fail "not all bound at start: $(ctl status | grep -vc ' bound ') not"
: > "$T/reloads"
for i in $(seq 1 "$MOVE"); do
	echo "addr del 192.0.2.$i/24 dev cb0"
	echo "addr add 198.51.100.$i/24 dev cb0"
done > "$T/renumber"
t0=$(date +%s%N)
ip -batch "$T/renumber" || fail "ip -batch"
wait_for 60 log_count_ge "$MOVE" 'event=rebind site=s' || fail "only $(log_count 'event=rebind site=s') of $MOVE rebound"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
reloads=$(grep -c start "$T/reloads")
note "$MOVE of $N renumbered: all proven after $ms ms (settle_ms 300), $reloads nginx reloads"
grep -q OVERLAP "$T/reloads" && fail "two reloads of nginx at once"
[ "$reloads" -le 3 ] || fail "$reloads reloads, want at most 3"
log_has 'event=rebind-failed' && fail "a rebind failed: $(grep -m1 rebind-failed "$T/syslog")"
# Each site on its own counterpart, never another's.
for i in $(seq 1 "$MOVE"); do
	log_has "event=rebind site=s$i old=192\.0\.2\.$i:443 new=198\.51\.100\.$i:443 " || fail "s$i not on 198.51.100.$i"
done
[ "$(grep -o 'new=198\.51\.100\.[0-9]*:443' "$T/syslog" | sort | uniq -d | wc -l)" -eq 0 ] || fail "two sites on one endpoint"
for i in 1 77 150 "$MOVE"; do
	[ "$(served_fp 198.51.100.$i 443)" = "$(file_fp "$T/www.pem")" ] || fail "198.51.100.$i not served"
done
[ "$(served_fp 192.0.2.$N 443)" = "$(file_fp "$T/www.pem")" ] || fail "an untouched site is not served"
pass
