#!/bin/bash
# SPDX-License-Identifier: MIT
# One host of a failover pair (not a test; failover.inc starts it in its own network, mount
# and pid namespaces): its own /dev/log and rsyslogd, a real nginx, Apache or HAProxy whose
# page names the host, certbindd with a failover site on the VIP, and keepalived (VRRP v3).
# Usage: failover_host.sh NAME ADDRESS PRIORITY SERVER VIP
set -u
NAME=$1 ADDR=$2 PRIO=$3 SERVER=$4 VIP=$5
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.inc"

private_dev
mount -t tmpfs -o mode=0755,size=4m fo-run /run
start_rsyslog
ip link set lo up
wait_for 10 ip link show "e$NAME" || fail "$NAME: its link never arrived"
ip link set "e$NAME" name eth0
ip link set eth0 up
ip addr add "$ADDR/24" dev eth0
# The VIP is absent on the standby: its server listens there anyway (what HA setups do).
sysctl -qw net.ipv4.ip_nonlocal_bind=1

CERT=$(dirname "$T")/vip.pem KEY=$(dirname "$T")/vip.key
SITE_EXTRA=""
if [ -n "${FO_ACME:-}" ]; then
	# IP certificates for the VIP from the client namespace's pebble, through uacme; the
	# host that holds the VIP answers http-01 on port 80. Until one is issued, nginx has a
	# placeholder certificate (the world's vip.pem).
	ACME_DIR="https://$FO_ACME:14000/dir" CHAL="$T/chal/.well-known/acme-challenge"
	mkdir -p "$CHAL" "$T/acme"
	/usr/bin/uacme -y -a "$ACME_DIR" -c "$T/acme" new > "$T/uacme-new.log" 2>&1 ||
		fail "$NAME: uacme could not create an account: $(tail -n 1 "$T/uacme-new.log")"
	NGINX_EXTRA="  server { listen 80; root $T/chal; }"
	SITE_EXTRA="issue = { command = [ \"/usr/bin/env\", \"UACME_CHALLENGE_PATH=$CHAL\", \"/usr/bin/uacme\", \"-a\", \"$ACME_DIR\", \"-c\", \"$T/acme\", \"-h\", \"/usr/share/uacme/uacme.sh\", \"issue\", \"{{address}}\" ]; timeout_ms = 30000; backoff_min_s = 2; };"
fi
case $SERVER in
nginx)
	NGINX_SITES="vip" write_nginx_conf
	sed -i "s|return 200 \"vip\\\\n\"|return 200 \"$NAME\\\\n\"|" "$T/nginx.conf"
	printf 'listen %s:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
		"$VIP" "$CERT" "$KEY" > "$T/nginx/vip.conf"
	start_nginx
	SRV="{ name = \"web\"; type = \"nginx\"; pid_file = \"$T/nginx.pid\";
	  check = [ \"/usr/sbin/nginx\", \"-e\", \"$T/nginx-error.log\", \"-c\", \"$T/nginx.conf\", \"-t\", \"-q\" ];
	  reload = $NGINX_RELOAD; }"
	OUT=$T/nginx/vip.conf EXTRA=""
	;;
apache)
	apache_conf
	echo "$NAME" > "$T/apache/host.txt"
	# Its page, read by Apache's user (nobody) through the test's private directories.
	chmod 711 "$(dirname "$T")" "$T" "$T/apache"
	chmod 644 "$T/apache/host.txt"
	printf 'Listen %s:443 https\n<VirtualHost %s:443>\n    SSLEngine on\n    SSLCertificateFile %s\n    SSLCertificateKeyFile %s\n</VirtualHost>\n' \
		"$VIP" "$VIP" "$CERT" "$KEY" > "$T/apache/sites/vip.conf"
	apache_start
	SRV=$(apache_server web)
	OUT=$T/apache/sites/vip.conf EXTRA=""
	;;
haproxy)
	haproxy_conf
	sed -i "s/string www$/string $NAME/" "$T/haproxy/haproxy.cfg"
	# HAProxy reads the key from CERT.key beside the certificate.
	KEY=$CERT.key
	printf 'frontend certbind-vip\n    bind %s:443 ssl crt %s\n    default_backend be_www\n' \
		"$VIP" "$CERT" > "$T/haproxy/fe/vip.cfg"
	haproxy_start
	SRV=$(haproxy_server web)
	OUT=$T/haproxy/fe/vip.cfg EXTRA="backend = \"be_www\";"
	;;
esac

CERT_SETTINGS="certificate = \"$CERT\"; key = \"$KEY\";"
[ -n "${FO_ACME:-}" ] && CERT_SETTINGS="certificate = \"$T/acme/{{address}}/cert.pem\";
  key = \"$T/acme/private/{{address}}/key.pem\";"
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 300;
           nonlocal_bind = "enable"; };
servers = ( $SRV );
sites = ( {
  name = "vip"; server = "web"; address = "$VIP"; port = 443;
  $CERT_SETTINGS server_name = "www.example.test"; $SITE_EXTRA
  targets = ( { output = "$OUT"; } ); $EXTRA
  alert = { command = [ "/bin/sh", "-c", "echo \"\$CERTBIND_EVENT\" >> $T/alerts" ]; };
  failover = { track_file = "$T/track"; check_interval_ms = 200; };
} );
EOC
"$CERTBINDD" -t -c "$T/certbind.conf" > "$T/check.out" 2>&1 || fail "$NAME: policy refused: $(cat "$T/check.out")"
start_certbindd
# Ready before keepalived reads the file: it must not take the VIP for a site not ready.
wait_for 20 grep -qx 0 "$T/track" || fail "$NAME: track file never read 0"

cat > "$T/keepalived.conf" <<EOC
global_defs {
  router_id $NAME
  vrrp_version 3
  script_user root
  enable_script_security
}
track_file certbind {
  file "$T/track"
  weight 0
  init_file 1
}
vrrp_script certbindd_alive {
  script "/usr/bin/pgrep -x certbindd"
  interval 1
  fall 2
  weight 0
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $PRIO
  advert_int 0.1
  virtual_ipaddress {
    $VIP/24 dev eth0
  }
  track_file {
    certbind
  }
  track_script {
    certbindd_alive
  }
}
EOC
echo "$CB_PID" > "$T/certbindd.pid"
echo started > "$T/host-ready"
# PID 1 of this host's pid namespace: when it is killed, everything of the host goes. Bash
# (not sleep) so that a process that dies here is reaped, as init would.
while :; do sleep 3600 & wait $!; done
