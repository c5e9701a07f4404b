# SPDX-License-Identifier: MIT
# Integration test harness: a private network + mount namespace per test, with its own
# /dev/log served by a real rsyslogd, a real nginx, certificates made by openssl, and only
# documentation addresses. Source it first thing; it re-executes the test inside the
# namespaces. Exit codes: 0 pass, 1 fail, 77 skip.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
CERTBINDD=$BUILD/certbindd
CERTBINDCTL=$BUILD/certbindctl
TESTNAME=$(basename "$0" .sh)

skip() { echo "SKIP: $TESTNAME: $*"; exit 77; }
fail() { echo "FAIL: $TESTNAME: $*"; dump_logs; exit 1; }
# pass: also requires that the daemon stops cleanly and no sanitizer complained.
pass() {
	if [ -n "${CB_PID:-}" ] && kill -0 "$CB_PID" 2>/dev/null; then
		stop_certbindd
		[ "$CB_STATUS" -eq 0 ] || fail "certbindd exited with status $CB_STATUS on SIGTERM"
	fi
	if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/certbindd.stderr" 2>/dev/null; then
		fail "sanitizer report in certbindd's stderr"
	fi
	echo "PASS: $TESTNAME"
	exit 0
}
note() { echo "  $TESTNAME: $*"; }

if [ -z "${CB_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network and mount namespaces); CI runs as root"
	command -v unshare >/dev/null || skip "unshare(1) missing"
	command -v nginx >/dev/null || skip "nginx missing (make check installs it)"
	command -v rsyslogd >/dev/null || skip "rsyslogd missing (make check installs it)"
	unshare -n -m true 2>/dev/null || skip "cannot create namespaces here"
	T=$(mktemp -d "${TMPDIR:-/tmp}/certbind-$TESTNAME.XXXXXX")
	export T CB_IN_NS=1
	unshare -n -m --propagation private "$0" "$@"
	rc=$?
	if [ $rc -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "  (files kept in $T)"; fi
	exit $rc
fi

# ---- inside the namespaces from here on -----------------------------------------------

PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null
	[ -f "$T/apache/httpd.pid" ] && kill "$(cat "$T/apache/httpd.pid")" 2>/dev/null
	[ -f "$T/rsyslogd.pid" ] && kill "$(cat "$T/rsyslogd.pid")" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT

dump_logs() {
	for f in "$T/syslog" "$T/certbindd.stderr" "$T/nginx-error.log" "$T/apache-error.log" \
		 "$T/haproxy.log"; do
		[ -s "$f" ] || continue
		echo "---- $(basename "$f") (last 30 lines)"
		tail -n 30 "$f"
	done
}

# wait_for SECONDS COMMAND...: polls the condition until it holds or the deadline passes.
wait_for() {
	local limit=$1 end
	shift
	end=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
	while ! "$@" 2>/dev/null; do
		[ $(( $(date +%s%N) / 1000000 )) -lt "$end" ] || return 1
		sleep 0.05
	done
}

# A private /dev: a tmpfs with the few devices programs need, so /dev/log is ours.
private_dev() {
	mkdir -p "$T/olddev"
	mount --rbind /dev "$T/olddev"
	mount -t tmpfs -o mode=0755,size=1m certbind-dev /dev
	for n in null zero full random urandom tty; do
		[ -e "$T/olddev/$n" ] || continue
		touch "/dev/$n" && mount --bind "$T/olddev/$n" "/dev/$n"
	done
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	mkdir -p /dev/shm /dev/pts
	umount -l "$T/olddev"
}

start_rsyslog() {
	mkdir -p "$T/rsyslog"
	cat > "$T/rsyslog.conf" <<EOC
global(workDirectory="$T/rsyslog")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
template(name="cb" type="string" string="%syslogseverity-text% %syslogtag%%msg:::drop-last-lf%\n")
*.* action(type="omfile" file="$T/syslog" template="cb" asyncWriting="off" flushOnTXEnd="on")
EOC
	: > "$T/syslog"
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.pid" > "$T/rsyslogd.out" 2>&1 &
	wait_for 10 test -S /dev/log || fail "rsyslogd did not create /dev/log"
	logger -t certbind-test "syslog ready"
	wait_for 10 grep -q "syslog ready" "$T/syslog" || fail "rsyslogd does not write $T/syslog"
}

# make_cert NAME CN SAN: writes $T/NAME.pem and $T/NAME.key (EC P-256), valid 30 days.
make_cert() {
	local name=$1 cn=$2 san=$3 days=${4:-30}
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
		-subj "/CN=$cn" -addext "subjectAltName=$san" \
		-keyout "$T/$name.key" -out "$T/$name.pem" 2>/dev/null || fail "openssl req failed"
	chmod 600 "$T/$name.key"
}

# The namespace's network: lo up and a veth pair cb0 <-> cb1.
setup_net() {
	ip link set lo up
	# Keep secondaries when a primary goes (else deleting .200 also deletes .201 in its /24).
	sysctl -qw net.ipv4.conf.all.promote_secondaries=1 net.ipv4.conf.default.promote_secondaries=1
	ip link add cb0 type veth peer name cb1 || fail "cannot create veth pair"
	ip link set cb0 up
	ip link set cb1 up
}

# write_nginx_conf: one server per snippet listed in $NGINX_SITES (names; $T/nginx/NAME.conf).
write_nginx_conf() {
	mkdir -p "$T/nginx" "$T/nginx-tmp"
	{
		echo "user root; worker_processes 1; daemon on; pid $T/nginx.pid;"
		echo "error_log $T/nginx-error.log notice;"
		echo "events { worker_connections 64; }"
		echo "http { access_log off;"
		echo "  client_body_temp_path $T/nginx-tmp/body; proxy_temp_path $T/nginx-tmp/proxy;"
		echo "  fastcgi_temp_path $T/nginx-tmp/fcgi; uwsgi_temp_path $T/nginx-tmp/uwsgi;"
		echo "  scgi_temp_path $T/nginx-tmp/scgi;"
		for s in $NGINX_SITES; do
			echo "  server { include $T/nginx/$s.conf; location / { return 200 \"$s\\n\"; } }"
		done
		echo "${NGINX_EXTRA:-}"
		echo "}"
	} > "$T/nginx.conf"
}

NGINX="/usr/sbin/nginx -e $T/nginx-error.log -c $T/nginx.conf"
start_nginx() {
	$NGINX -t -q || fail "nginx configuration invalid"
	$NGINX || fail "nginx did not start"
	wait_for 10 test -s "$T/nginx.pid" || fail "nginx wrote no pid file"
}

# The reload command as a libconfig array.
NGINX_RELOAD="[ \"/usr/sbin/nginx\", \"-e\", \"$T/nginx-error.log\", \"-c\", \"$T/nginx.conf\", \"-s\", \"reload\" ]"

start_certbindd() {
	"$CERTBINDD" -f -c "$T/certbind.conf" "$@" >> "$T/certbindd.stderr" 2>&1 &
	CB_PID=$!
	PIDS="$PIDS $CB_PID"
	wait_for 15 test -S "$T/ctl.sock" || fail "certbindd did not open its control socket"
	wait_idle || fail "certbindd's start-up reconciliation did not finish"
}

# wait_idle: no site has a rebind (render/reload/verify) in progress. Polled: no interpreter.
idle() {
	local out
	out=$("$CERTBINDCTL" -s "$T/ctl.sock" --json status) || return 1
	! printf '%s\n' "$out" | grep -Eq '"busy" *: *true'
}
wait_idle() { wait_for 20 idle; }

stop_certbindd() {
	kill -TERM "$CB_PID" 2>/dev/null
	wait "$CB_PID" 2>/dev/null
	CB_STATUS=$?
}

ctl() { "$CERTBINDCTL" -s "$T/ctl.sock" "$@"; }

# served_fp HOST PORT [SNI]: the SHA-256 fingerprint of the certificate served there.
served_fp() {
	local sni=${3:-}
	echo | timeout 5 openssl s_client -connect "$1:$2" ${sni:+-servername "$sni"} 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'
}
file_fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }

# log_has PATTERN: the syslog has a line matching the extended regex.
log_has() { grep -Eq "$1" "$T/syslog"; }
log_count() { grep -Ec "$1" "$T/syslog"; }

# ready: a common start for most tests.
base_setup() {
	private_dev
	start_rsyslog
	setup_net
}

# one_site ADDR SAN_IPS ON_CHANGE [EXTRA_SETTINGS]: the usual one-site world. ADDR (/24 or
# /64) on cb0, a certificate for www.example.test (and SAN_IPS), nginx serving it there, a
# rebind-capable policy. SETTLE_MS (default 300) and GLOBAL_EXTRA tune the policy.
one_site() {
	local addr=$1 sans=$2 on_change=$3 extra=${4:-} ep plen=24
	case $addr in *:*) plen=64; ep="[$addr]:443" ;; *) ep="$addr:443" ;; esac
	base_setup
	ip addr add "$addr/$plen" dev cb0 $([ $plen = 64 ] && echo nodad)
	make_cert www www.example.test "DNS:www.example.test$sans"
	NGINX_SITES="www" write_nginx_conf
	printf 'listen %s ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
		"$ep" "$T/www.pem" "$T/www.key" > "$T/nginx/www.conf"
	start_nginx
	cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock";
           settle_ms = ${SETTLE_MS:-300}; ${GLOBAL_EXTRA:-} };
sites = ( {
  name = "www"; address = "$addr"; port = 443;
  certificate = "$T/www.pem"; key = "$T/www.key"; server_name = "www.example.test";
  on_change = "$on_change"; follow = { interface = "cb0"; ${FOLLOW_EXTRA:-} };
  targets = ( { type = "nginx"; output = "$T/nginx/www.conf"; } );
  reload = $NGINX_RELOAD;
  $extra
} );
EOC
	WANT_FP=$(file_fp "$T/www.pem")
}
www_site() { one_site 192.0.2.200 ",IP:192.0.2.200,IP:192.0.2.201" "$@"; }

# How many times nginx has been told to reload so far.
nginx_reloads() { grep -c 'signal 1 (SIGHUP) received' "$T/nginx-error.log"; }
mtime() { stat -c '%i %Y.%y' "$1"; }

# v6_site ON_CHANGE [EXTRA]: www_site on 2001:db8::200/64 (added without DAD).
v6_site() {
	FOLLOW_EXTRA='prefix = "2001:db8::/64";' one_site 2001:db8::200 \
		",IP:2001:db8::200,IP:2001:db8::201" "$@"
}
tentative() { ip -6 addr show dev "$1" | grep -q "$2/.*tentative"; }

# The kernel's addresses and the daemon's table, as sorted "ADDRESS/LEN IFNAME" lines.
kernel_table() { ip -o addr show | awk '{print $4, $2}' | sort; }
daemon_table() { ctl addresses | sed 's/ (not usable)$//' | sort; }
tables_equal() { [ "$(kernel_table)" = "$(daemon_table)" ]; }

# storm_batch FILE ROUNDS: address events on veth pairs s0a..s4a that no site cares about:
# per round, 762 addresses of 198.51.100.0/24 and 203.0.113.0/24 added on each of five
# interfaces, their lifetimes changed, then deleted (3 events each).
make_storm_veths() {
	for i in 0 1 2 3 4; do
		ip link add "s${i}a" type veth peer name "s${i}b"
		ip link set "s${i}a" up
	done
}
storm_batch() {
	local f=$1 op
	: > "$f"
	for op in add change del; do
		for i in 0 1 2 3 4; do
			for net in 198.51.100 203.0.113; do
				for h in $(seq 1 254); do
					case $op in
					change) echo "addr change $net.$h/24 dev s${i}a valid_lft 3000 preferred_lft 3000" ;;
					*) echo "addr $op $net.$h/24 dev s${i}a" ;;
					esac
				done
			done
		done >> "$f"
	done
}

# log_count_ge N PATTERN: at least N syslog lines match (re-evaluated on every poll).
log_count_ge() { [ "$(grep -Ec "$2" "$T/syslog")" -ge "$1" ]; }

# make_cert_until NAME CN SAN NOT_AFTER: like make_cert, but valid until NOT_AFTER
# (YYYYMMDDHHMMSSZ, UTC), which may be seconds away or already past (openssl ca -enddate).
make_cert_until() {
	local name=$1 cn=$2 san=$3 end=$4 d="$T/ca-$1"
	rm -rf "$d"
	mkdir -p "$d/new"
	: > "$d/index.txt"
	echo 01 > "$d/serial"
	cat > "$d/ca.cnf" <<EOC
[ ca ]
default_ca = cb
[ cb ]
database = $d/index.txt
new_certs_dir = $d/new
serial = $d/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
EOC
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
		-addext "subjectAltName=$san" -keyout "$d/key" -out "$d/csr" 2>/dev/null &&
	openssl ca -batch -notext -config "$d/ca.cnf" -selfsign -keyfile "$d/key" -in "$d/csr" \
		-startdate 20250101000000Z -enddate "$end" -out "$d/cert" 2>/dev/null ||
		fail "openssl ca failed"
	chmod 600 "$d/key"
	# Into place by rename, as ACME clients do: the key first, then the certificate.
	mv "$d/key" "$T/$name.key"
	mv "$d/cert" "$T/$name.pem"
}
utc_in() { date -u -d "@$(( $(date +%s) + $1 ))" +%Y%m%d%H%M%SZ; }
