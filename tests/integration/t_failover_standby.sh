#!/bin/bash
# SPDX-License-Identifier: MIT
# One failover host on its own (the VIP added and removed by hand, as keepalived would): a
# bad failover group is refused with file:line (exit 78); a standby whose certificate does
# not cover the VIP is unready (track file 1, no address-lost); a covering certificate makes
# it ready (0); the VIP's arrival is a proven takeover, its departure a release (standby).
. "$(dirname "$0")/lib.sh"
base_setup
ip addr add 192.0.2.1/24 dev cb0
sysctl -qw net.ipv4.ip_nonlocal_bind=1
VIP=192.0.2.100
make_cert wrong www.example.test "DNS:www.example.test,IP:192.0.2.99"
make_cert good www.example.test "DNS:www.example.test,IP:$VIP"
cp "$T/wrong.pem" "$T/www.pem"
cp "$T/wrong.key" "$T/www.key"
NGINX_SITES="www" write_nginx_conf
printf 'listen %s:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
	"$VIP" "$T/www.pem" "$T/www.key" > "$T/nginx/www.conf"
start_nginx
mkdir -p "$T/run"
NLB='nonlocal_bind = "enable";'
policy() { # FAILOVER-GROUP [GLOBAL-EXTRA]
	local extra=${2-$NLB}
	cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300;
           metrics_file = "$T/metrics.prom"; $extra };
servers = ( { name = "web"; type = "nginx"; pid_file = "$T/nginx.pid";
  check = [ "/usr/sbin/nginx", "-e", "$T/nginx-error.log", "-c", "$T/nginx.conf", "-t", "-q" ];
  reload = $NGINX_RELOAD; } );
sites = ( {
  name = "www"; server = "web"; address = "$VIP"; port = 443; server_name = "www.example.test";
  certificate = "$T/www.pem"; key = "$T/www.key"; on_change = "rebind";
  targets = ( { output = "$T/nginx/www.conf"; } );
  $1
} );
EOC
}
refused() { # WANT-MESSAGE
	"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1
	rc=$?
	[ $rc -eq 78 ] || fail "bad failover group: exit $rc, want 78: $(cat "$T/check.out")"
	grep -qF "$1" "$T/check.out" || fail "no '$1' in: $(cat "$T/check.out")"
}
policy 'failover = { check_interval_ms = 500; };'
refused "$T/certbind.conf:10: failover: missing required setting 'track_file'"
policy "failover = { track_file = \"$T/nowhere/www.track\"; };"
refused "$T/certbind.conf:10: 'track_file': directory $T/nowhere: No such file or directory"
policy "failover = { track_file = \"$T/run/www.track\"; check_interval_ms = 50; };"
refused "$T/certbind.conf:10: 'check_interval_ms'"
"$CERTBINDD" -f -c "$T/certbind.conf" > "$T/daemon-refused.out" 2>&1
[ $? -eq 78 ] || fail "certbindd started with a bad failover group"
policy "failover = { track_file = \"$T/run/www.track\"; check_interval_ms = 200; };" " "
"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1 || fail "policy refused: $(cat "$T/check.out")"
grep -q "$T/certbind.conf:6: site \"www\": failover without nonlocal_bind = \"enable\"" "$T/check.out" ||
	fail "no nonlocal_bind warning: $(cat "$T/check.out")"

# A certificate that does not cover the VIP: unready, said once, and keepalived kept away.
policy "failover = { track_file = \"$T/run/www.track\"; check_interval_ms = 200; };"
start_certbindd
wait_for 10 log_has "event=failover-unready site=www endpoint=$VIP:443 reason=\"the certificate does not cover $VIP:443" ||
	fail "no failover-unready for a certificate that does not cover the VIP"
[ "$(cat "$T/run/www.track")" = 1 ] || fail "track file reads '$(cat "$T/run/www.track")', want 1"
ctl status | grep -Eq "^www +$VIP:443 +standby" || fail "status: $(ctl status)"
log_has 'event=(address-lost|no-candidate|rebind )' && fail "a standby VIP was treated as lost"
grep -q "certbind_failover_track{file=\"$T/run/www.track\"} 1" "$T/metrics.prom" ||
	fail "metrics lack the track file's 1"

# The covering certificate in place: ready (re-proven every check_interval_ms while unready).
cp "$T/good.key" "$T/www.key.new" && mv "$T/www.key.new" "$T/www.key"
cp "$T/good.pem" "$T/www.pem.new" && mv "$T/www.pem.new" "$T/www.pem"
wait_for 15 grep -qx 0 "$T/run/www.track" || fail "never ready with a covering certificate"
log_has "event=failover-ready site=www" || fail "no failover-ready"
ctl show www | grep -Eq '^failover.track +0$' || fail "show: $(ctl show www | grep failover)"

# keepalived's part, by hand: the VIP arrives (takeover, proven), then leaves (released).
n0=$(nginx_reloads)
ip addr add "$VIP/24" dev cb0
wait_for 10 log_has "event=takeover site=www endpoint=$VIP:443 proven_ms=[0-9]+" || fail "no takeover"
ctl status | grep -Eq "^www +$VIP:443 +bound" || fail "not bound after the takeover: $(ctl status)"
[ "$(served_fp $VIP 443 www.example.test)" = "$(file_fp "$T/good.pem")" ] || fail "the VIP does not serve the site"
ip addr del "$VIP/24" dev cb0
wait_for 10 log_has "event=released site=www" || fail "no release"
wait_for 10 sh -c "$CERTBINDCTL -s $T/ctl.sock status | grep -Eq '^www +[^ ]+ +standby'" || fail "not standby after the release"
[ "$(cat "$T/run/www.track")" = 0 ] || fail "track file $(cat "$T/run/www.track") after the release"
log_has 'event=(address-lost|listener-stale)' && fail "the release was reported as a loss"
note "nginx reloads for the takeover and release: $(( $(nginx_reloads) - n0 ))"
pass
