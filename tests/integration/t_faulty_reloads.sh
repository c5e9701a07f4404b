#!/bin/bash
# SPDX-License-Identifier: MIT
# Faulty reload commands, all at once: one hangs (its whole process group is killed at
# reload_timeout_ms, then rollback), one exits non-zero (rollback, its message in reason=),
# one forks a daemon child and exits (no zombie, no leaked fd in the child), one prints
# 20 MB (bounded capture, no stall). Meanwhile another site's loss is handled.
. "$(dirname "$0")/lib.sh"
base_setup
make_cert www www.example.test "DNS:www.example.test"
NGINX_SITES="hang fail fork chatty" write_nginx_conf
i=0
for s in hang fail fork chatty; do
	i=$((i + 10))
	ip addr add 192.0.2.$i/24 dev cb0
	printf 'listen 192.0.2.%s:443 ssl;\nssl_certificate %s;\nssl_certificate_key %s;\n' \
		$i "$T/www.pem" "$T/www.key" > "$T/nginx/$s.conf"
done
start_nginx
RELOAD="/usr/sbin/nginx -e $T/nginx-error.log -c $T/nginx.conf -s reload"
printf '#!/bin/sh\nsleep 600 &\necho $! > %s/hang-child.pid\nwait\n' "$T" > "$T/r-hang"
printf '#!/bin/sh\necho "nginx: [emerg] unknown directive \\"lisen\\" in /etc/nginx/x.conf:1" >&2\nexit 1\n' > "$T/r-fail"
printf '#!/bin/sh\nsetsid sleep 600 &\necho $! > %s/fork-child.pid\nexec %s\n' "$T" "$RELOAD" > "$T/r-fork"
printf '#!/bin/sh\nhead -c 20000000 /dev/zero | tr "\\000" x\nexec %s\n' "$RELOAD" > "$T/r-chatty"
chmod +x "$T"/r-*
ip addr add 198.51.100.10/24 dev cb1
{
	# One nginx serves all four (with different reload commands): let it bind the addresses
	# of sites whose rollback restores an absent address (see "Sites sharing a server").
	echo "global = { state_file = \"$T/state\"; control_socket = \"$T/ctl.sock\"; settle_ms = 200; nonlocal_bind = \"enable\"; };"
	echo "sites = ("
	i=0
	for s in hang fail fork chatty; do
		i=$((i + 10))
		echo "{ name = \"$s\"; address = \"192.0.2.$i\"; port = 443; certificate = \"$T/www.pem\";"
		echo "  key = \"$T/www.key\"; on_change = \"rebind\"; follow = { interface = \"cb0\"; prefix = \"192.0.2.$i/31\"; };"
		echo "  targets = ( { type = \"nginx\"; output = \"$T/nginx/$s.conf\"; } ); reload = [ \"$T/r-$s\" ];"
		echo "  reload_timeout_ms = 1500; verify = { timeout_ms = 3000; }; },"
	done
	echo "{ name = \"bystander\"; address = \"198.51.100.10\"; port = 443; certificate = \"$T/www.pem\"; key = \"$T/www.key\"; } );"
} > "$T/certbind.conf"
# A dry run changes nothing and says what it would do.
for s in hang fail fork chatty; do cp "$T/nginx/$s.conf" "$T/$s.before"; done
start_certbindd -n; stop_certbindd
for s in hang fail fork chatty; do cmp -s "$T/nginx/$s.conf" "$T/$s.before" || fail "dry run changed $s"; done
log_count_ge 4 'event=dry-run site=' || fail "dry run did not say what it would do"
# Generate the snippets once with a healthy reload, then switch to the faulty ones.
cp "$T/certbind.conf" "$T/faulty.conf"
sed -i "s|reload = \[ \"$T/r-[a-z]*\" \];|reload = [ \"/bin/true\" ];|" "$T/certbind.conf"
start_certbindd; stop_certbindd
cp "$T/faulty.conf" "$T/certbind.conf"
$RELOAD
start_certbindd
log_count_ge 1 'event=rebind-failed' && fail "start-up was not quiet"

for s in hang fail fork chatty; do cp "$T/nginx/$s.conf" "$T/$s.before"; done
for i in 10 20 30 40; do ip addr del 192.0.2.$i/24 dev cb0; ip addr add 192.0.2.$((i + 1))/24 dev cb0; done
# While "hang" hangs, the bystander's loss is handled.
wait_for 10 test -s "$T/hang-child.pid" || fail "hang did not start"
ip addr del 198.51.100.10/24 dev cb1
wait_for 5 log_has 'event=address-lost site=bystander' || fail "events stalled behind a hanging reload"
log_has 'event=rebind-failed site=hang' && fail "hang ended before the bystander was handled: the test proves nothing"
wait_for 15 log_has 'event=rebind-failed site=hang .*reason="reload timed out after 1500 ms \(process group killed\); the rollback reload timed out too" rollback=yes' ||
	fail "hang: no rebind-failed with the timeout"
wait_for 5 sh -c "! kill -0 $(cat "$T/hang-child.pid") 2>/dev/null" || fail "hang's child survived the timeout"
# Failed rebinds are retried (1 s, doubling): between attempts the files are as before.
restored() { idle && cmp -s "$T/nginx/$1.conf" "$T/$1.before"; }
wait_for 10 restored hang || fail "hang: not rolled back"
wait_for 10 log_has 'event=rebind-failed site=fail .*reason="reload exit status 1: nginx: \[emerg\] unknown directive \\"lisen\\" in /etc/nginx/x.conf:1; the rollback reload failed too \(exit status 1\)" rollback=yes' ||
	fail "fail: no rebind-failed with the command's message"
wait_for 10 restored fail || fail "fail: not rolled back"
wait_for 15 log_has 'event=rebind site=fork old=192\.0\.2\.30:443 new=192\.0\.2\.31:443' || fail "fork: not rebound"
wait_for 15 log_has 'event=rebind site=chatty old=192\.0\.2\.40:443 new=192\.0\.2\.41:443' || fail "chatty: not rebound"
child=$(cat "$T/fork-child.pid")
fds=$(ls /proc/"$child"/fd | sort -n | tr '\n' ' ')
[ "$fds" = "0 1 2 " ] || fail "the reload command's daemon child holds fds: $fds"
zombies=$(ps -o stat= --ppid "$CB_PID" | grep -c Z)
[ "$zombies" -eq 0 ] || fail "$zombies zombie children of certbindd"
kill "$child"
[ "$(served_fp 192.0.2.41 443)" = "$(file_fp "$T/www.pem")" ] || fail "chatty's new endpoint not served"
pass
