#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile paths and inputs: a symlink planted at a target is never followed (its victim is
# untouched); an interface name full of shell syntax flows into logs and certbindctl
# output verbatim, on one line, never interpreted; a reload command's control characters
# are escaped in the log; paths that could inject directives are refused at load.
. "$(dirname "$0")/lib.sh"
www_site rebind
echo "victim" > "$T/victim"
rm "$T/nginx/www.conf"
ln -s "$T/victim" "$T/nginx/www.conf"
"$CERTBINDD" -f -c "$T/certbind.conf" >> "$T/certbindd.stderr" 2>&1 &
CB_PID=$!; PIDS="$PIDS $CB_PID"
wait_for 10 log_has "event=render-failed site=www .*reason=\"cannot read $T/nginx/www.conf: it is a symlink \(refused\)\"" ||
	fail "a symlinked target was not refused"
[ "$(cat "$T/victim")" = victim ] || fail "the symlink's target was written"
[ -L "$T/nginx/www.conf" ] || fail "the symlink was replaced"
stop_certbindd
# An interface named with shell syntax.
ip link set cb1 down
ip link set cb1 name 'a;b$(x)' || fail "kernel refused the name"
ip link set 'a;b$(x)' up
ip addr add 198.51.100.10/24 dev 'a;b$(x)'
make_cert odd odd.example.test "DNS:odd.example.test"
cat > "$T/evil-reload" <<'EOS'
#!/bin/sh
printf 'evil\033[2J\rinjected event=rebind site=www\n' >&2
exit 3
EOS
chmod +x "$T/evil-reload"
cat > "$T/certbind.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; settle_ms = 200; };
sites = ( { name = "odd"; address = "198.51.100.10"; port = 443; interface = "a;b\$(x)";
  certificate = "$T/odd.pem"; key = "$T/odd.key"; on_change = "rebind";
  targets = ( { type = "nginx"; output = "$T/odd.conf"; } ); reload = [ "$T/evil-reload" ]; } );
EOC
cd "$T"
start_certbindd
ctl --json show odd | python3 -c 'import json,sys; d=json.load(sys.stdin)["site"]; assert d["interface"] == "a;b$(x)" == d["current_interface"], d' ||
	fail "interface name not shown verbatim"
ip addr del 198.51.100.10/24 dev 'a;b$(x)'
wait_for 10 log_has 'event=no-candidate site=odd endpoint=198\.51\.100\.10:443 follow=a;b\$\(x\)$' ||
	fail "interface name not logged verbatim on one line"
ip addr add 198.51.100.11/24 dev 'a;b$(x)'
wait_for 10 log_has 'event=rebind-failed site=odd .*reason="reload exit status 3: evil\\x1b\[2J\\x0dinjected event=rebind site=www[;"]' ||
	fail "control characters from a command's output not escaped"
[ "$(log_count '^[a-z]+ certbind\[[0-9]+\]: event=rebind ')" -eq 0 ] || fail "a forged event line got into the log"
[ "$(grep -c "follow=a;b\$(x)" "$T/syslog")" -ge 1 ] || fail "the interface name was altered"
# Paths that would inject directives are refused at load.
sed "s|output = \"$T/odd.conf\"|output = \"$T/odd.conf; include /etc/passwd\"|" "$T/certbind.conf" > "$T/inject.conf"
out=$("$CERTBINDD" -t -c "$T/inject.conf" 2>&1); [ $? -eq 78 ] || fail "injecting path accepted"
echo "$out" | grep -q "'output' contains a character unsafe in a server configuration" || fail "no reason: $out"
pass
