#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: certbind measured against the floor and its peers, in one run, in a private
# network namespace. Raw measurements go to $T/raw.jsonl; bench/report.py prints the table
# and writes bench/results.json. REPS (default 5) repetitions of every figure.
KEEP=${KEEP:-}
. "$(dirname "$0")/../tests/integration/lib.sh"
REPS=${REPS:-5}
PHASES=${PHASES:-1 2 3 4 5 6 7}
SCALE_NS=${SCALE_NS:-200 1000 10000}
SCALE_REPS=${SCALE_REPS:-3}
SCALE_FAMS=${SCALE_FAMS:-6 4}
SCALE_REPS_10K=${SCALE_REPS_10K:-1}
phase() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
IDLE_S=${IDLE_S:-30}
BENCH=$TOP/bench
RAW=$T/raw.jsonl
: > "$RAW"
say() { printf '\n== %s\n' "$*" >&2; }
emit() { echo "$*" >> "$RAW"; }
cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Netlink receive drops of all of a process's netlink sockets (/proc/net/netlink "Drops").
nl_drops() {
	local inodes
	inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | tr '\n' ' ')
	awk -v ino=" $inodes " 'NR > 1 && index(ino, " " $10 " ") { d += $9 } END { print d + 0 }' /proc/net/netlink
}
# The floor's message count: it writes it when the signal interrupts its recv.
floor_count() {
	rm -f "$T/floor.count"
	kill -USR1 "$FLOOR"
	wait_for 5 test -s "$T/floor.count" || fail "nlfloor did not report"
	awk '{print $1}' "$T/floor.count"
}
# Quiescent: no consumer used CPU for 300 ms (deadline 120 s).
quiet() {
	local a b p
	a=$(for p in "$@"; do cpu_ns "$p"; done | tr '\n' ' ')
	sleep 0.3
	b=$(for p in "$@"; do cpu_ns "$p"; done | tr '\n' ' ')
	[ "$a" = "$b" ]
}
daemon_conf() {   # daemon_conf NAME NSITES [EXTRA_GLOBAL]: a policy of NSITES alert sites on cb0
	python3 - "$T" "$1" "$2" "${3:-}" <<'EOPY'
import sys
t, name, n, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sites, i = [], 0
for net in ("192.0.2", "198.51.100", "203.0.113"):
    for h in range(1, 255):
        for port in range(443, 457):
            if i < n:
                sites.append(f'{{ name = "s{i}"; address = "{net}.{h}"; port = {port}; interface = "cb0"; '
                             f'certificate = "{t}/www.pem"; key = "{t}/www.key"; alert = {{ repeat_s = 0; }}; }}')
            i += 1
open(f"{t}/{name}.conf", "w").write(
    f'global = {{ state_file = "{t}/{name}.state"; control_socket = "{t}/{name}.sock"; {extra} }};\n'
    "sites = (\n" + ",\n".join(sites) + "\n);\n")
EOPY
}
start_daemon() {  # start_daemon NAME: runs certbindd on $T/NAME.conf, waits until idle
	"$CERTBINDD" -c "$T/$1.conf" > "$T/$1.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	wait_for 60 test -S "$T/$1.sock" || fail "$1 did not start"
	wait_for 60 sh -c "'$CERTBINDCTL' -s '$T/$1.sock' status >/dev/null" || fail "$1 not answering"
}
table_ok() { [ "$(kernel_table)" = "$("$CERTBINDCTL" -s "$T/$1.sock" addresses | sed 's/ (not usable)$//' | sort)" ]; }

gcc -O2 -Wall -o "$T/nlfloor" "$BENCH/nlfloor.c" || fail "cannot build nlfloor"
gcc -O2 -Wall -o "$T/replfloor" "$BENCH/replfloor.c" || fail "cannot build replfloor"
gcc -O2 -Wall $(pkg-config --cflags libnl-route-3.0) -o "$T/nlchange" "$BENCH/nlchange.c" \
	$(pkg-config --libs libnl-route-3.0) || fail "cannot build nlchange"
base_setup
make_cert www www.example.test "DNS:www.example.test"
for n in 192.0.2 198.51.100 203.0.113; do for h in $(seq 1 254); do echo "addr add $n.$h/24 dev cb0"; done; done > "$T/cb0-addrs"
ip -batch "$T/cb0-addrs"
make_storm_veths
storm_batch "$T/storm"
ip link add lt0 type veth peer name lt1; ip link set lt0 up

if phase 1; then
say "1. event cost: the same storm consumed by each consumer alone, interleaved ($REPS repetitions)"
daemon_conf one 1
daemon_conf tenk 10000
# start_consumer NAME -> sets CPID: one consumer, subscribed and idle.
start_consumer() {
	case $1 in
	floor) "$T/nlfloor" "$T/floor.count" & CPID=$! ;;
	ip_monitor) ip -o monitor address > /dev/null 2>&1 & CPID=$! ;;
	certbindd_1) start_daemon one; CPID=$PID_one ;;
	certbindd_10k) start_daemon tenk; CPID=$PID_tenk ;;
	esac
	PIDS="$PIDS $CPID"
	wait_for 60 quiet "$CPID" || fail "$1 never went idle"
}
for r in $(seq "$REPS"); do
	line="{\"bench\":\"event_cost\",\"rep\":$r"
	for name in floor ip_monitor certbindd_1 certbindd_10k; do
		start_consumer "$name"
		[ "$name" = floor ] && { FLOOR=$CPID; c0=$(floor_count); }
		n0=$(cpu_ns "$CPID"); k0=$(cpu_ticks "$CPID"); v0=$(awk '/^voluntary/ {print $2}' /proc/$CPID/status)
		ip -batch "$T/storm"; ip -batch "$T/storm"
		wait_for 120 quiet "$CPID" || fail "$name never went quiet"
		[ "$name" = floor ] && { events=$(( $(floor_count) - c0 )); line="$line,\"events\":$events"; }
		line="$line,\"${name}_ns\":$(( $(cpu_ns "$CPID") - n0 )),\"${name}_ticks\":$(( $(cpu_ticks "$CPID") - k0 ))"
		line="$line,\"${name}_wakeups\":$(( $(awk '/^voluntary/ {print $2}' /proc/$CPID/status) - v0 )),\"${name}_drops\":$(nl_drops "$CPID")"
		case $name in
		certbindd_1|certbindd_10k)
			sock=$([ "$name" = certbindd_1 ] && echo one || echo tenk)
			ok=$(table_ok "$sock" && echo true || echo false)
			rs=$("$CERTBINDCTL" -s "$T/$sock.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["resyncs"])')
			line="$line,\"table_ok_${name#certbindd_}\":$ok,\"resyncs_${name#certbindd_}\":$rs" ;;
		esac
		kill "$CPID"; wait "$CPID" 2>/dev/null
		rm -f "$T/one.sock" "$T/tenk.sock"
	done
	emit "$line}"
	echo "  rep $r: $events events" >&2
done
fi
# The following phases move addresses that cb0 also holds: take those off cb0 first.
for a in 198.51.100.200 198.51.100.201 192.0.2.250 192.0.2.251; do ip addr del $a/24 dev cb0; done

if phase 2; then
say "2. decision latency: settle_ms = 0, template target, no reload ($REPS x 1000 changes)"
true
ip addr add 198.51.100.200/24 dev lt0
mkdir -p "$T/lat"
echo 'bind {{endpoint}} crt {{certificate}}' > "$T/lat.tmpl"
cat > "$T/lat.conf" <<EOC
global = { state_file = "$T/lat.state"; control_socket = "$T/lat.sock"; settle_ms = 0; };
sites = ( { name = "lat"; address = "198.51.100.200"; port = 443; interface = "lt0"; certificate = "$T/www.pem";
  key = "$T/www.key"; on_change = "rebind"; follow = { interface = "lt0"; };
  targets = ( { type = "template"; template = "$T/lat.tmpl"; output = "$T/lat/out.conf"; } );
  verify = { enabled = false; }; } );
EOC
start_daemon lat
wait_for 10 test -s "$T/lat/out.conf" || fail "lat: no initial render"
# Two media for the target: the disk under $T (the rename waits for fdatasync, as it must
# for crash safety) and a tmpfs (the daemon's own decision path, without the disk).
lat_run() {   # lat_run MEDIUM
	local r
	for r in $(seq "$REPS"); do
		"$T/nlchange" lt0 198.51.100.200 198.51.100.201 24 "$T/lat" out.conf 1000 "$T" lat.state > "$T/lat-$1-$r.us" ||
			fail "nlchange failed"
		# The floor beside it: as many atomic replaces of a file on the same filesystem.
		"$T/replfloor" "$T/lat" 1000 > "$T/replfloor-$1-$r.us" || fail "replfloor failed"
		python3 - "$T/lat-$1-$r.us" "$r" "$1" "$T/replfloor-$1-$r.us" >> "$RAW" <<'EOPY'
import json, sys
def quant(path):
    v = sorted(int(x) for x in open(path))
    return v, (lambda p: v[min(len(v) - 1, int(p * len(v)))])
v, q = quant(sys.argv[1])
f, fq = quant(sys.argv[4])
print(json.dumps({"bench": "decision_latency", "medium": sys.argv[3], "rep": int(sys.argv[2]),
                  "n": len(v), "p50_us": q(0.50), "p99_us": q(0.99), "max_us": v[-1],
                  "replace_p50_us": fq(0.50), "replace_p99_us": fq(0.99)}))
EOPY
		echo "  $1 rep $r: done" >&2
	done
}
lat_run disk
kill "$PID_lat"; wait "$PID_lat" 2>/dev/null
rm -f "$T/lat.sock"
mount -t tmpfs -o size=1m certbind-lat "$T/lat"
start_daemon lat
wait_for 10 test -s "$T/lat/out.conf" || fail "lat: no initial render on tmpfs"
lat_run tmpfs
kill "$PID_lat"; wait "$PID_lat" 2>/dev/null
fi

if phase 3; then
say "3. end to end with nginx: address change -> the new endpoint serves the certificate"
ip addr add 192.0.2.250/24 dev lt0
NGINX_SITES="e2e" write_nginx_conf
printf 'listen 192.0.2.250:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' "$T/www.pem" "$T/www.key" > "$T/nginx/e2e.conf"
start_nginx
SETTLE=100
cat > "$T/e2e.conf" <<EOC
global = { state_file = "$T/e2e.state"; control_socket = "$T/e2e.sock"; settle_ms = $SETTLE; };
sites = ( { name = "e2e"; address = "192.0.2.250"; port = 443; interface = "lt0"; certificate = "$T/www.pem";
  key = "$T/www.key"; on_change = "rebind"; follow = { interface = "lt0"; prefix = "192.0.2.248/29"; };
  targets = ( { type = "nginx"; output = "$T/nginx/e2e.conf"; } ); reload = $NGINX_RELOAD; } );
EOC
start_daemon e2e
wait_for 20 sh -c "'$CERTBINDCTL' -s '$T/e2e.sock' --json status | grep -q '\"busy\":false'"
python3 - "$T/www.pem" "$REPS" "$SETTLE" "$CERTBINDCTL" "$T/e2e.sock" >> "$RAW" <<'EOPY'
import hashlib, json, socket, ssl, subprocess, sys, time
pem, reps, settle = sys.argv[1], int(sys.argv[2]) * 2, int(sys.argv[3])
ctl = [sys.argv[4], "-s", sys.argv[5], "--json", "status"]
def settled(cur, new):
    # The site committed to cur, nothing in flight, and nothing serves new yet.
    s = json.loads(subprocess.run(ctl, capture_output=True, text=True).stdout)["sites"][0]
    return s["endpoint"] == cur + ":443" and s["state"] == "bound" and not s["busy"] and not serves(new)
want = hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(pem).read())).hexdigest()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def serves(addr):
    try:
        with socket.create_connection((addr, 443), timeout=0.2) as s:
            with ctx.wrap_socket(s, server_hostname="www.example.test") as t:
                return hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest() == want
    except OSError:
        return False
cur = "192.0.2.250"
for r in range(reps):
    new = "192.0.2.251" if cur == "192.0.2.250" else "192.0.2.250"
    t0 = time.monotonic()
    while not settled(cur, new):
        if time.monotonic() - t0 > 30:
            sys.exit("e2e: the previous rebind never settled")
        time.sleep(0.02)
    subprocess.run(["ip", "addr", "add", new + "/24", "dev", "lt0"], check=True)
    subprocess.run(["ip", "addr", "del", cur + "/24", "dev", "lt0"], check=True)
    t0 = time.monotonic()
    while not serves(new):
        if time.monotonic() - t0 > 20:
            sys.exit("e2e: not served within 20 s")
        time.sleep(0.002)
    ms = (time.monotonic() - t0) * 1000
    print(json.dumps({"bench": "e2e", "rep": r + 1, "total_ms": round(ms, 1),
                      "after_settle_ms": round(ms - settle, 1)}))
    cur = new
EOPY
kill "$PID_e2e"; wait "$PID_e2e" 2>/dev/null
fi

if phase 4; then
say "4. scale: start to READY, peak RSS, RSS after a storm (1 / 1,000 / 10,000 sites)"
python3 - "$T/notify.sock" "$T/notify.log" <<'EOPY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        for line in s.recv(4096).decode().splitlines():
            log.write("%.6f %s\n" % (time.time(), line))
EOPY
PIDS="$PIDS $!"
wait_for 5 test -S "$T/notify.sock"
for n in 1 1000 10000; do
	daemon_conf "scale$n" "$n"
	for r in $(seq "$REPS"); do
		: > "$T/notify.log"
		t0=$(date +%s.%N)
		NOTIFY_SOCKET="$T/notify.sock" "$CERTBINDD" -c "$T/scale$n.conf" > /dev/null 2>&1 &
		p=$!
		wait_for 60 grep -q ' READY=1$' "$T/notify.log" || fail "scale $n: no READY"
		t1=$(awk '$2 == "READY=1" {print $1; exit}' "$T/notify.log")
		hwm=$(awk '/VmHWM/ {print $2}' /proc/$p/status)
		ip -batch "$T/storm"
		wait_for 60 quiet "$p"
		rss=$(awk '/VmRSS/ {print $2}' /proc/$p/status)
		hwm2=$(awk '/VmHWM/ {print $2}' /proc/$p/status)
		kill "$p"; wait "$p" 2>/dev/null
		rm -f "$T/scale$n.sock"
		emit "{\"bench\":\"scale\",\"sites\":$n,\"rep\":$r,\"ready_ms\":$(python3 -c "print(round(($t1 - $t0) * 1000, 1))"),\"peak_rss_kib\":$hwm2,\"rss_at_ready_kib\":$hwm,\"rss_after_storm_kib\":$rss}"
	done
	echo "  $n sites: done" >&2
done
fi

if phase 5; then
say "5. idle: voluntary context switches of $REPS idle daemons over $IDLE_S s"
pids=""
for r in $(seq "$REPS"); do
	# Steady state: without the one-shot start-up grace timer (startup_grace_ms).
	daemon_conf "idle$r" 1 "startup_grace_ms = 0;"
	start_daemon "idle$r"
	eval "pids=\"\$pids \$PID_idle$r\""
done
sleep 1
declare -A v0
for p in $pids; do v0[$p]=$(awk '/^voluntary_ctxt_switches/ {print $2}' /proc/$p/status); done
sleep "$IDLE_S"     # the measurement is of time passing: this one sleep is the point
# Every count is read before anything is written or stopped: the daemons watch $T (their
# certificate's directory), so a result written there or a daemon's socket going away
# would wake the ones not yet read.
declare -A v1
for p in $pids; do v1[$p]=$(awk '/^voluntary_ctxt_switches/ {print $2}' /proc/$p/status); done
r=0
for p in $pids; do
	r=$((r + 1))
	emit "{\"bench\":\"idle\",\"rep\":$r,\"seconds\":$IDLE_S,\"wakeups\":$(( v1[$p] - v0[$p] ))}"
done
for p in $pids; do kill "$p"; done
fi

if phase 6; then
say "6. mass renumbering: N of 250 sites of one nginx renumbered at once (N = 1, 10, 50, 200)"
# The end-to-end phase's nginx holds 192.0.2.250:443: it goes, and so do its addresses.
if [ -s "$T/nginx.pid" ]; then
	kill "$(cat "$T/nginx.pid")" 2>/dev/null
	wait_for 10 sh -c "! ss -ltn | grep -q '192.0.2.250:443'" || fail "the end-to-end nginx did not stop"
fi
ip addr flush dev lt0 2>/dev/null
# Addresses of their own on mr0 (cb0's copies of these two /24s go first).
for h in $(seq 1 254); do echo "addr del 192.0.2.$h/24 dev cb0"; echo "addr del 198.51.100.$h/24 dev cb0"; done |
	ip -batch - 2>/dev/null
ip link add mr0 type veth peer name mr1; ip link set mr0 up; ip link set mr1 up
M=$T/mr
mkdir -p "$M/nginx" "$M/tmp"
printf '#!/bin/sh
echo start >> %s/reloads
exec /usr/sbin/nginx -e %s/error.log -c %s/nginx.conf -s reload
' "$M" "$M" "$M" > "$M/reload"
chmod +x "$M/reload"
{
	echo "user root; worker_processes 1; daemon on; pid $M/nginx.pid; error_log $M/error.log notice;"
	echo "worker_rlimit_nofile 4096; events { worker_connections 1024; }"
	echo "http { access_log off; ssl_certificate $T/www.pem; ssl_certificate_key $T/www.key;"
	echo "  client_body_temp_path $M/tmp/b; proxy_temp_path $M/tmp/p; fastcgi_temp_path $M/tmp/f; uwsgi_temp_path $M/tmp/u; scgi_temp_path $M/tmp/s;"
	for i in $(seq 1 250); do echo "  server { include $M/nginx/s$i.conf; location / { return 200; } }"; done
	echo "}"
} > "$M/nginx.conf"
{
	echo "global = { state_file = \"$M/state\"; control_socket = \"$T/mr.sock\"; settle_ms = 300; nonlocal_bind = \"enable\"; };"
	echo "sites = ("
	for i in $(seq 1 250); do
		echo "addr add 192.0.2.$i/24 dev mr0" >> "$M/addrs"
		printf 'listen 192.0.2.%s:443 ssl;\n' "$i" > "$M/nginx/s$i.conf"
		echo "{ name = \"s$i\"; address = \"192.0.2.$i\"; port = 443; interface = \"mr0\"; certificate = \"$T/www.pem\"; key = \"$T/www.key\";"
		echo "  on_change = \"rebind\"; follow = { interface = \"mr0\"; host_part = \"same\"; };"
		echo "  targets = ( { type = \"nginx\"; output = \"$M/nginx/s$i.conf\"; } ); reload = [ \"$M/reload\" ]; }$([ $i -lt 250 ] && echo ,)"
	done
	echo ");"
} > "$T/mr.conf"
ip -batch "$M/addrs"
/usr/sbin/nginx -e "$M/error.log" -c "$M/nginx.conf" || fail "mass renumbering: nginx did not start"
start_daemon mr
wait_for 120 sh -c "'$CERTBINDCTL' -s '$T/mr.sock' status | grep -c ' bound ' | grep -qx 250" || fail "mass renumbering: not all bound at start"
# all_at NET N: the first N sites are bound on NET.i (the state is written before it is told).
all_at() { [ "$(grep -c "address = \"$1\.[0-9]*\";" "$M/state")" -ge "$2" ] &&
	"$CERTBINDCTL" -s "$T/mr.sock" status | awk -v net="$1" -v n="$2" '
		{ split($2, ep, ":"); split(ep[1], o, "."); h = o[4] + 0 }
		h >= 1 && h <= n && ep[1] == net "." h && $3 == "bound" { c++ } END { exit c < n }'; }
cur=192.0.2 other=198.51.100
for n in 1 10 50 200; do
	for r in $(seq "$REPS"); do
		for i in $(seq 1 "$n"); do echo "addr del $cur.$i/24 dev mr0"; echo "addr add $other.$i/24 dev mr0"; done > "$M/batch"
		: > "$M/reloads"
		t0=$(date +%s%N)
		ip -batch "$M/batch"
		wait_for 120 all_at "$other" "$n" || fail "mass renumbering: $n sites not all proven on $other"
		ms=$(( ($(date +%s%N) - t0) / 1000000 ))
		emit "{\"bench\":\"renumber\",\"sites\":$n,\"rep\":$r,\"total_ms\":$ms,\"settle_ms\":300,\"reloads\":$(grep -c start "$M/reloads")}"
		# Back again (not measured), so every repetition starts alike.
		for i in $(seq 1 "$n"); do echo "addr del $other.$i/24 dev mr0"; echo "addr add $cur.$i/24 dev mr0"; done > "$M/batch"
		ip -batch "$M/batch"
		wait_for 120 all_at "$cur" "$n" || fail "mass renumbering: $n sites did not come back to $cur"
	done
done
kill "$PID_mr"; wait "$PID_mr" 2>/dev/null
kill "$(cat "$M/nginx.pid")"
fi

if phase 7; then
say "7. scale: N sites of one nginx renumbered at once, against the floor measured beside (N = $SCALE_NS)"
# IPv4 uses 192.0.2.0/24 and 198.51.100.0/24 on a link of its own: every other link's copies
# go (an address still held elsewhere is not lost).
ip -o -4 addr show | awk '$4 ~ /^(192\.0\.2|198\.51\.100)\./ { print "addr del " $4 " dev " $2 }' |
	ip -force -batch - 2>/dev/null
ip link add sc0 type veth peer name sc1; ip link set sc0 up; ip link set sc1 up
sysctl -qw net.ipv4.conf.sc0.promote_secondaries=1
ulimit -n "$(ulimit -Hn)"   # nginx holds N listening sockets
gcc -O2 -Wall -o "$T/hsfloor" "$BENCH/hsfloor.c" -lssl -lcrypto || fail "cannot build hsfloor"
gcc -O2 -Wall -o "$T/readywait" "$BENCH/readywait.c" || fail "cannot build readywait"
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
sighups() { grep -c 'signal 1 (SIGHUP) received' "$S/error.log"; }
# listeners_at PATTERN N: nginx listens on N endpoints matching PATTERN.
listeners_at() { [ "$(ss -Hltn | grep -c "$1")" -ge "$2" ]; }
# proven_at PATTERN N: the state file holds N proven bindings matching PATTERN.
proven_at() { [ "$(grep -c "address = \"$1" "$S/state" 2>/dev/null)" -ge "$2" ]; }
# to_old: the world back where every repetition starts (certbindd stopped): old addresses,
# the operator's snippets, nginx listening there.
to_old() {
	ip -batch "$S/back" 2>/dev/null
	bash "$S/write_old.sh"
	kill -HUP "$(cat "$S/nginx.pid")"
	wait_for 300 listeners_at "$OLDPAT" "$n" || fail "scale $fam/$n: nginx not back on the old addresses"
	wait_for 300 sh -c "! ss -Hltn | grep -q '$NEWPAT'" || fail "scale $fam/$n: nginx still on the new addresses"
}
for n in $SCALE_NS; do
	for fam in $SCALE_FAMS; do
		S=$T/scale-$fam-$n
		rm -rf "$S"; mkdir -p "$S/nginx" "$S/tmp"
		if [ "$fam" = 6 ]; then OLDPAT='\[2001:db8:1::' NEWPAT='\[2001:db8:2::' OLDST=2001:db8:1:: NEWST=2001:db8:2::
		else OLDPAT=' 192\.0\.2\.' NEWPAT=' 198\.51\.100\.' OLDST=192.0.2. NEWST=198.51.100.; fi
		# During its reload nginx holds the old and the new sockets of every moved site: at most
		# (hard RLIMIT_NOFILE - 200) / 2 sites move (10,000 need a limit above 20,200).
		python3 "$BENCH/scaleworld.py" "$fam" "$n" "$S" sc0 "$T/www.pem" "$T/www.key" \
			$(( ($(ulimit -Hn) - 200) / 2 )) || fail "scale world"
		moved=$(cat "$S/moved")
		ip -batch "$S/addrs" || fail "scale $fam/$n: addresses"
		bash "$S/write_old.sh"
		/usr/sbin/nginx -e "$S/error.log" -c "$S/nginx.conf" || fail "scale $fam/$n: nginx did not start"
		PIDS="$PIDS $(cat "$S/nginx.pid")"   # stopped by the harness if the phase fails
		wait_for 300 listeners_at "$OLDPAT" "$n" || fail "scale $fam/$n: nginx does not listen"
		reps=$SCALE_REPS; [ "$n" -ge 10000 ] && reps=$SCALE_REPS_10K
		for r in $(seq "$reps"); do
			# The floor: settle, the snippets made durable, one SIGHUP until the new listeners
			# exist, N handshakes at certbindd's concurrency (32).
			ip -batch "$S/forward"
			t=$(ms_now); bash "$S/write_new.sh"; w=$(( $(ms_now) - t ))
			t=$(ms_now); kill -HUP "$(cat "$S/nginx.pid")"
			wait_for 300 listeners_at "$NEWPAT" "$moved" || fail "scale $fam/$n: floor reload ($(tail -n 1 "$S/error.log"))"
			rl=$(( $(ms_now) - t ))
			hs=$("$T/hsfloor" 32 < "$S/endpoints_new") || fail "scale $fam/$n: floor handshakes"
			read -r h hcpu <<< "$hs"
			echo "  IPv$fam $n sites ($moved moved), rep $r: floor settle 300 + write $w + reload $rl + handshakes $h ms (their CPU $hcpu ms)" >&2
			to_old
			# Start-up: certbindd renders all N, one check and reload, proves all.
			rm -f "$S/state"; s0=$(sighups)
			"$T/readywait" "$S/notify" > "$S/ready" & RW=$!
			wait_for 10 test -S "$S/notify" || fail "readywait"
			t=$(ms_now)
			NOTIFY_SOCKET=$S/notify "$CERTBINDD" -f -c "$S/certbind.conf" > "$S/certbindd.log" 2>&1 & CB=$!
			PIDS="$PIDS $CB"
			wait_for 600 test -s "$S/ready" || fail "scale $fam/$n: no READY ($(tail -n 3 "$S/certbindd.log"))"
			wait "$RW"; ready=$(( $(cat "$S/ready") - t ))   # both CLOCK_REALTIME ms
			# READY comes once the start-up reconciliation is over: every site proven.
			bound=$("$CERTBINDCTL" -s "$S/ctl.sock" status | grep -c "$OLDST.* bound ")
			[ "$bound" -eq "$n" ] || fail "scale $fam/$n: READY with $bound of $n sites bound"
			c0=$(cpu_ticks "$CB"); s1=$(sighups)
			# SCALE_PERF=FILE: a perf profile (cpu-clock, call graphs) of certbindd during
			# the renumbering, for `perf report -i FILE` (the figures are then not clean).
			[ -n "${SCALE_PERF:-}" ] && { perf record -q -e cpu-clock -g -o "$SCALE_PERF.$fam.$n" -p "$CB" & PERF=$!; }
			t=$(ms_now); ip -batch "$S/forward"; tb=$(ms_now)
			wait_for 600 proven_at "$NEWST" "$moved" ||
				fail "scale $fam/$n: renumbering not all proven ($(grep -c rebind-failed "$S/certbindd.log") rebind-failed; $(grep -c "address = \"$NEWST" "$S/state") of $n; the kernel holds $(ip addr show dev sc0 | grep -c "$OLDST") old addresses, certbindd $("$CERTBINDCTL" -s "$S/ctl.sock" addresses | grep -c "$OLDST"))"
			t1=$(ms_now)
			[ -n "${SCALE_PERF:-}" ] && { kill -INT "$PERF"; wait "$PERF"; }
			bound=$("$CERTBINDCTL" -s "$S/ctl.sock" status | grep -c "$NEWST.* bound ")
			[ "$bound" -eq "$moved" ] || fail "scale $fam/$n: $bound of $moved moved sites bound after the renumbering"
			cpu=$(( ($(cpu_ticks "$CB") - c0) * 1000 / $(getconf CLK_TCK) ))
			rss=$(awk '/^VmHWM/ {print $2}' "/proc/$CB/status")
			emit "{\"bench\":\"renumber_scale\",\"family\":$fam,\"sites\":$n,\"moved\":$moved,\"rep\":$r,\"floor_write_ms\":$w,\"floor_reload_ms\":$rl,\"floor_handshake_ms\":$h,\"floor_handshake_cpu_ms\":$hcpu,\"settle_ms\":300,\"startup_ready_ms\":$ready,\"startup_reloads\":$(( s1 - s0 )),\"total_ms\":$(( t1 - t )),\"after_batch_ms\":$(( t1 - tb )),\"batch_ms\":$(( tb - t )),\"reloads\":$(( $(sighups) - s1 )),\"cpu_ms\":$cpu,\"rss_kib\":$rss,\"rebind_failed\":$(grep -c 'event=rebind-failed' "$S/certbindd.log")}"
			kill "$CB"; wait "$CB" 2>/dev/null
			to_old
		done
		kill "$(cat "$S/nginx.pid")"
		wait_for 60 sh -c "! ss -Hltn | grep -q '$OLDPAT'" || fail "scale $fam/$n: nginx did not stop"
		ip addr flush dev sc0
	done
done
fi

python3 "$BENCH/report.py" "$RAW" "$BENCH/results.json"
