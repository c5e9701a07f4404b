#!/bin/bash
# SPDX-License-Identifier: MIT
# HAProxy with Debian's defaults under a real systemd (PID 1 of a private container) and
# certbindd's hardened unit: haproxy.service reads certbind's frontends as the README says
# (/etc/default/haproxy), certbind checks with haproxy -c, reloads through the master CLI
# (/run/haproxy-master.sock) and confirms with show proc; a renumbering is proven, and a
# reload HAProxy refuses keeps the old worker serving and is rolled back.
# time-limit: 300
. "$(dirname "$0")/systemd.inc"
sd_boot
sd_install_deb     # the README's package steps: the .deb is the way in
served() {   # served ADDR: the SHA-256 fingerprint served on ADDR:443
	sd sh -c "echo | timeout 5 openssl s_client -connect $1:443 -servername www.example.test 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null" | sed 's/.*=//'
}
status_is() { sd "$PREFIX/sbin/certbindctl" status | grep -Eq "^www +$1 +$2 "; }

sd sh -c 'ip link add cb0 type veth peer name cb1 && ip link set cb0 up && ip link set cb1 up &&
	sysctl -qw net.ipv4.conf.all.promote_secondaries=1 && ip addr add 192.0.2.200/24 dev cb0' ||
	fail "network"
# HAProxy's own rule: the key beside the certificate, as CERT.key.
sd sh -c 'mkdir -p /etc/haproxy/certs /etc/haproxy/certbind &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj /CN=www.example.test -addext "subjectAltName=DNS:www.example.test" \
	-keyout /etc/haproxy/certs/www.pem.key -out /etc/haproxy/certs/www.pem 2>/dev/null &&
	chmod 600 /etc/haproxy/certs/www.pem.key' || fail "certificate"
WANT=$(sd openssl x509 -in /etc/haproxy/certs/www.pem -noout -fingerprint -sha256 | sed 's/.*=//')
# The operator's backend in haproxy.cfg; the frontend as it was before certbind.
sd sh -c 'cat >> /etc/haproxy/haproxy.cfg' <<'EOC'

backend be_www
	http-request return status 200 content-type text/plain string www
EOC
sd sh -c 'printf "frontend certbind-www\n    bind 192.0.2.200:443 ssl crt /etc/haproxy/certs/www.pem\n    default_backend be_www\n" > /etc/haproxy/certbind/www.cfg'
# README: CONFIG in /etc/default/haproxy adds certbind's directory.
sd sh -c 'echo "CONFIG=\"/etc/haproxy/haproxy.cfg -f /etc/haproxy/certbind\"" >> /etc/default/haproxy'
sd rm -f /etc/systemd/system/haproxy.service
sd systemctl daemon-reload
sd systemctl restart haproxy || fail "haproxy.service did not start: $(sd systemctl status haproxy --no-pager 2>&1 | tail -n 5)"
wait_for 10 sd test -S /run/haproxy-master.sock || fail "no master socket"
[ "$(served 192.0.2.200)" = "$WANT" ] || fail "haproxy does not serve the site"

sd sh -c 'cat > /etc/certbind/certbind.conf' <<'EOC'
global = { settle_ms = 500; startup_grace_ms = 5000; };
servers = ( { name = "lb"; type = "haproxy"; } );
sites = ( {
  name = "www"; server = "lb"; address = "192.0.2.200"; port = 443; backend = "be_www";
  certificate = "/etc/haproxy/certs/www.pem"; key = "/etc/haproxy/certs/www.pem.key";
  server_name = "www.example.test"; on_change = "rebind"; follow = { prefix = "192.0.2.0/24"; };
  targets = ( { output = "/etc/haproxy/certbind/www.cfg"; } );
  verify = { timeout_ms = 3000; };
} );
EOC
sd "$PREFIX/sbin/certbindd" -t || fail "certbindd -t rejects the policy"
sd mkdir -p /etc/systemd/system/certbindd.service.d
sd sh -c 'printf "[Service]\nReadWritePaths=-/etc/haproxy/certbind\n" > /etc/systemd/system/certbindd.service.d/override.conf'
sd systemctl daemon-reload
sd systemctl enable --now certbindd || fail "certbindd did not start"
wait_for 20 status_is '192\.0\.2\.200:443' bound || fail "not bound at start: $(sd "$PREFIX/sbin/certbindctl" status 2>&1)"

sd sh -c 'ip addr add 192.0.2.201/24 dev cb0 && ip addr del 192.0.2.200/24 dev cb0'
wait_for 20 journal 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind under the hardened unit"
[ "$(served 192.0.2.201)" = "$WANT" ] || fail "192.0.2.201 not served"

# A reload HAProxy refuses: 192.0.2.202:443 is taken.
sd ip addr add 192.0.2.202/24 dev cb0
sd sh -c 'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=squatter \
	-keyout /root/sq.key -out /root/sq.pem 2>/dev/null'
sd systemd-run --unit squatter -q openssl s_server -quiet -accept 192.0.2.202:443 \
	-cert /root/sq.pem -key /root/sq.key ||
	fail "cannot occupy 192.0.2.202:443"
wait_for 10 sd sh -c "ss -Hltn 'sport = :443' | grep -q 192.0.2.202:443" || fail "192.0.2.202:443 not occupied"
sd "$PREFIX/sbin/certbindctl" rebind www 192.0.2.202 >/dev/null 2>&1 && fail "rebind to an occupied address succeeded"
wait_for 20 journal 'event=rebind-failed site=www .*reload not taken: HAProxy kept its old worker.*rollback=yes old_binding=served' ||
	fail "no rebind-failed reporting the refused reload"
[ "$(served 192.0.2.201)" = "$WANT" ] || fail "the old binding is not served"
[ "$(sd systemctl is-active haproxy)" = active ] || fail "haproxy.service not active"
status_is '192\.0\.2\.201:443' bound || fail "status: $(sd "$PREFIX/sbin/certbindctl" status)"
echo "PASS: $TESTNAME"
