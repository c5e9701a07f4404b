#!/bin/bash
# SPDX-License-Identifier: MIT
# An IPv6 prefix renumbering of 1,000 sites on one nginx (each on 2001:db8:1::X/64, follow =
# { prefix = "2001:db8:2::/64"; host_part = "same"; }, nonlocal_bind = "enable"): one
# `ip -batch` adds the new prefix's counterparts and deletes the old. Every site ends on its
# own counterpart and is served there, no rebind fails, and nginx is reloaded at most twice
# (the reload command is wrapped and counts). No timing assertion: the time is a note.
# time-limit: 600
. "$(dirname "$0")/lib.sh"
base_setup
make_cert www www.example.test "DNS:www.example.test"
N=${N:-1000}
mkdir -p "$T/nginx" "$T/nginx-tmp"
printf '#!/bin/sh\necho start >> %s/reloads\nexec /usr/sbin/nginx -e %s/nginx-error.log -c %s/nginx.conf -s reload\n' \
	"$T" "$T" "$T" > "$T/reload"
chmod +x "$T/reload"
: > "$T/addrs"; : > "$T/renumber"
{
	echo "global = { state_file = \"$T/state\"; control_socket = \"$T/ctl.sock\"; settle_ms = 300; nonlocal_bind = \"enable\"; };"
	echo "servers = ( { name = \"web\"; type = \"nginx\"; pid_file = \"$T/nginx.pid\"; error_log = \"$T/nginx-error.log\";"
	echo "  check = [ \"/usr/sbin/nginx\", \"-e\", \"$T/nginx-error.log\", \"-c\", \"$T/nginx.conf\", \"-t\", \"-q\" ];"
	echo "  reload = [ \"$T/reload\" ]; reload_timeout_ms = 60000; } );"
	echo "sites = ("
	for i in $(seq 1 "$N"); do
		h=$(printf '%x' "$i")
		echo "addr add 2001:db8:1::$h/64 dev cb0 nodad" >> "$T/addrs"
		echo "addr add 2001:db8:2::$h/64 dev cb0 nodad" >> "$T/renumber"
		printf 'listen [2001:db8:1::%s]:443 ssl;\n' "$h" > "$T/nginx/s$i.conf"
		echo "{ name = \"s$i\"; server = \"web\"; address = \"2001:db8:1::$h\"; port = 443; certificate = \"$T/www.pem\"; key = \"$T/www.key\";"
		echo "  on_change = \"rebind\"; follow = { interface = \"cb0\"; prefix = \"2001:db8:2::/64\"; host_part = \"same\"; };"
		echo "  verify = { timeout_ms = 10000; };"
		echo "  targets = ( { type = \"nginx\"; output = \"$T/nginx/s$i.conf\"; } ); }$([ "$i" -lt "$N" ] && echo ,)"
	done
	echo ");"
} > "$T/certbind.conf"
for i in $(seq 1 "$N"); do echo "addr del 2001:db8:1::$(printf '%x' "$i")/64 dev cb0"; done >> "$T/renumber"
ip -batch "$T/addrs" || fail "cannot add the addresses"
{
	echo "user root; worker_processes 1; daemon on; pid $T/nginx.pid;"
	echo "error_log $T/nginx-error.log notice; worker_rlimit_nofile 8192;"
	echo "events { worker_connections 4096; }"
	echo "http { access_log off; ssl_certificate $T/www.pem; ssl_certificate_key $T/www.key;"
	echo "  client_body_temp_path $T/nginx-tmp/body; proxy_temp_path $T/nginx-tmp/proxy;"
	echo "  fastcgi_temp_path $T/nginx-tmp/fcgi; uwsgi_temp_path $T/nginx-tmp/uwsgi; scgi_temp_path $T/nginx-tmp/scgi;"
	for i in $(seq 1 "$N"); do echo "  server { include $T/nginx/s$i.conf; location / { return 200; } }"; done
	echo "}"
} > "$T/nginx.conf"
start_nginx
"$CERTBINDD" -f -c "$T/certbind.conf" >> "$T/certbindd.stderr" 2>&1 &
CB_PID=$!; PIDS="$PIDS $CB_PID"
wait_for 60 test -S "$T/ctl.sock" || fail "no control socket"
wait_for 120 idle || fail "start-up did not finish"
[ "$(ctl status | grep -c ' bound ')" -eq "$N" ] || fail "not all bound at start"
: > "$T/reloads"
cpu0=$(awk '{print $14 + $15}' "/proc/$CB_PID/stat")
t0=$(date +%s%N)
ip -batch "$T/renumber" || fail "ip -batch"
wait_for 300 log_count_ge "$N" 'event=rebind site=s' ||
	fail "only $(log_count 'event=rebind site=s') of $N rebound; $(log_count 'event=rebind-failed') failed: $(grep -m1 rebind-failed "$T/syslog")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
cpu=$(( ($(awk '{print $14 + $15}' "/proc/$CB_PID/stat") - cpu0) * 1000 / $(getconf CLK_TCK) ))
reloads=$(grep -c start "$T/reloads")
note "$N IPv6 sites renumbered: all proven after $ms ms, certbindd CPU $cpu ms, $reloads nginx reloads, $(log_count 'event=rebind-failed') rebind-failed"
[ "$reloads" -le 2 ] || fail "$reloads reloads, want at most 2"
log_has 'event=rebind-failed' && fail "a rebind failed: $(grep -m1 rebind-failed "$T/syslog")"
for i in $(seq 1 "$N"); do
	h=$(printf '%x' "$i")
	echo "event=rebind site=s$i old=[2001:db8:1::$h]:443 new=[2001:db8:2::$h]:443 "
done > "$T/want"
grep -o 'event=rebind site=s[0-9]* old=\[[^ ]*\]:443 new=\[[^ ]*\]:443 ' "$T/syslog" | sort > "$T/got"
sort "$T/want" | cmp -s - "$T/got" || fail "a site is not on its own counterpart: $(sort "$T/want" | diff - "$T/got" | head -3)"
for i in 1 2 250 500 777 999 "$N"; do
	h=$(printf '%x' "$i")
	[ "$(served_fp "[2001:db8:2::$h]" 443)" = "$(file_fp "$T/www.pem")" ] || fail "[2001:db8:2::$h]:443 not served"
done
pass
