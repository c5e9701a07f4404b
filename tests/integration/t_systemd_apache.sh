#!/bin/bash
# SPDX-License-Identifier: MIT
# An Apache server with every Debian default, under a real systemd (PID 1 of a private
# container) and certbindd's hardened unit: apache2.service runs the site, certbind renders
# the binding (apache2ctl -t, apache2ctl graceful), a renumbering is proven; a graceful that
# cannot bind kills Apache's parent and certbind starts it again with the default
# `systemctl start apache2.service`, in its own unit, serving the old binding.
# time-limit: 300
. "$(dirname "$0")/systemd.inc"
sd_boot
sd_install_deb     # the README's package steps: the .deb is the way in
served() {   # served ADDR: the SHA-256 fingerprint served on ADDR:443
	sd sh -c "echo | timeout 5 openssl s_client -connect $1:443 -servername www.example.test 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null" | sed 's/.*=//'
}
status_is() { sd "$PREFIX/sbin/certbindctl" status | grep -Eq "^www +$1 +$2 "; }

# The world: Debian's apache2 with mod_ssl, one TLS site.
sd sh -c 'ip link add cb0 type veth peer name cb1 && ip link set cb0 up && ip link set cb1 up &&
	sysctl -qw net.ipv4.conf.all.promote_secondaries=1 && ip addr add 192.0.2.200/24 dev cb0' ||
	fail "network"
sd sh -c 'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj /CN=www.example.test -addext "subjectAltName=DNS:www.example.test" \
	-keyout /etc/ssl/private/www.key -out /etc/ssl/certs/www.pem 2>/dev/null && chmod 600 /etc/ssl/private/www.key' ||
	fail "certificate"
WANT=$(sd openssl x509 -in /etc/ssl/certs/www.pem -noout -fingerprint -sha256 | sed 's/.*=//')
sd systemctl stop nginx 2>/dev/null
sd rm -f /etc/systemd/system/apache2.service /etc/apache2/sites-enabled/000-default.conf
# Debian's ports.conf as shipped, with only the README's one-line change: its `Listen 443`
# (all addresses) commented out, since certbind renders a Listen per site.
sd grep -q '^Listen 80$' /etc/apache2/ports.conf || fail "test setup: ports.conf is not Debian's"
sd sed -i 's/^\(\s*\)Listen 443$/\1# Listen 443/' /etc/apache2/ports.conf || fail "ports.conf"
sd sh -c 'a2enmod -q ssl >/dev/null' || fail "a2enmod ssl"
sd mkdir -p /etc/apache2/certbind-body
sd sh -c 'echo "    DocumentRoot /var/www/html" > /etc/apache2/certbind-body/www.conf'
# The operator's vhost as it was before certbind (the binding certbind takes over).
sd sh -c 'printf "Listen 192.0.2.200:443 https\n<VirtualHost 192.0.2.200:443>\n    SSLEngine on\n    SSLCertificateFile /etc/ssl/certs/www.pem\n    SSLCertificateKeyFile /etc/ssl/private/www.key\n</VirtualHost>\n" > /etc/apache2/sites-enabled/certbind-www.conf'
sd systemctl daemon-reload
sd systemctl start apache2 || fail "apache2.service did not start: $(sd systemctl status apache2 --no-pager 2>&1 | tail -n 5)"
[ "$(served 192.0.2.200)" = "$WANT" ] || fail "apache does not serve the site"

# certbind, with the README's drop-in for Apache (its directories opened to the unit).
sd sh -c 'cat > /etc/certbind/certbind.conf' <<'EOC'
global = { settle_ms = 500; startup_grace_ms = 5000; };
servers = ( { name = "httpd"; type = "apache"; } );
sites = ( {
  name = "www"; server = "httpd"; address = "192.0.2.200"; port = 443;
  certificate = "/etc/ssl/certs/www.pem"; key = "/etc/ssl/private/www.key";
  server_name = "www.example.test"; include = "/etc/apache2/certbind-body/www.conf";
  on_change = "rebind"; follow = { prefix = "192.0.2.0/24"; };
  targets = ( { output = "/etc/apache2/sites-enabled/certbind-www.conf"; } );
  verify = { timeout_ms = 3000; };
} );
EOC
sd "$PREFIX/sbin/certbindd" -t || fail "certbindd -t rejects the policy"
sd mkdir -p /etc/systemd/system/certbindd.service.d
sd sh -c 'printf "[Service]\nReadWritePaths=-/etc/apache2/sites-enabled -/var/log/apache2\n" > /etc/systemd/system/certbindd.service.d/override.conf'
sd systemctl daemon-reload
sd systemctl enable --now certbindd || fail "certbindd did not start: $(sd systemctl status certbindd --no-pager 2>&1 | tail -n 5)"
wait_for 20 status_is '192\.0\.2\.200:443' bound || fail "not bound at start: $(sd "$PREFIX/sbin/certbindctl" status 2>&1)"
sd grep -q '^    Include /etc/apache2/certbind-body/www.conf$' /etc/apache2/sites-enabled/certbind-www.conf ||
	fail "the vhost was not rendered"

# Renumbering: apache2ctl -t, apache2ctl graceful, proven.
sd sh -c 'ip addr add 192.0.2.201/24 dev cb0 && ip addr del 192.0.2.200/24 dev cb0'
wait_for 20 journal 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind under the hardened unit"
[ "$(served 192.0.2.201)" = "$WANT" ] || fail "192.0.2.201 not served"

# A graceful that cannot bind 192.0.2.202:443 (taken) kills Apache's parent.
sd ip addr add 192.0.2.202/24 dev cb0
sd sh -c 'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=squatter \
	-keyout /root/sq.key -out /root/sq.pem 2>/dev/null'
sd systemd-run --unit squatter -q openssl s_server -quiet -accept 192.0.2.202:443 -cert /root/sq.pem -key /root/sq.key ||
	fail "cannot occupy 192.0.2.202:443"
wait_for 10 sd sh -c "ss -Hltn 'sport = :443' | grep -q 192.0.2.202:443" || fail "192.0.2.202:443 not occupied"
old_pid=$(sd systemctl show -p MainPID --value apache2)
sd "$PREFIX/sbin/certbindctl" rebind www 192.0.2.202 >/dev/null 2>&1 && fail "rebind to an occupied address succeeded"
wait_for 20 journal "event=server-restarted server=httpd .*start=ok" || fail "no server-restarted"
wait_for 20 journal 'event=rebind-failed site=www .*rollback=yes old_binding=served' ||
	fail "no rebind-failed with the old binding proven"
[ "$(sd systemctl is-active apache2)" = active ] || fail "apache2.service not active again"
new_pid=$(sd systemctl show -p MainPID --value apache2)
[ -n "$new_pid" ] && [ "$new_pid" != 0 ] && [ "$new_pid" != "$old_pid" ] || fail "apache2.service not restarted (pid $old_pid -> $new_pid)"
# Started by systemd, in its own unit: not in certbindd's cgroup.
sd grep -q '/system.slice/apache2.service' "/proc/$new_pid/cgroup" || fail "apache not in its own unit: $(sd cat /proc/$new_pid/cgroup)"
[ "$(served 192.0.2.201)" = "$WANT" ] || fail "the old binding is not served after the restart"
status_is '192\.0\.2\.201:443' bound || fail "status: $(sd "$PREFIX/sbin/certbindctl" status)"
echo "PASS: $TESTNAME"
