#!/bin/bash
# SPDX-License-Identifier: MIT
# Secrets: after a rebind, a failed rebind, alerts, metrics and every certbindctl view, no
# output anywhere contains any line of the private key's base64 body. A key readable by
# group or others is refused (the site fails) unless the policy allows it.
. "$(dirname "$0")/lib.sh"
GLOBAL_EXTRA="metrics_file = \"$T/certbind.prom\";" www_site rebind \
	'alert = { command = [ "'"$T"'/alert" ]; }; verify = { timeout_ms = 1000; };'
printf '#!/bin/sh\nenv > %s/alert.env\n' "$T" > "$T/alert"; chmod +x "$T/alert"
make_cert lax lax.example.test "DNS:lax.example.test"
chmod 0640 "$T/lax.key"
ip addr add 198.51.100.10/24 dev cb1
ip addr add 198.51.100.20/24 dev cb1
sed -i 's|^} );$||' "$T/certbind.conf"
cat >> "$T/certbind.conf" <<EOC
}, { name = "lax"; address = "198.51.100.10"; port = 443; certificate = "$T/lax.pem"; key = "$T/lax.key"; },
   { name = "laxok"; address = "198.51.100.20"; port = 443; certificate = "$T/lax.pem"; key = "$T/lax.key";
     allow_readable_key = true; } );
EOC
# A problem of that site alone: named by -t (the site is skipped, the others run), exit 0.
out=$("$CERTBINDD" -t -c "$T/certbind.conf" 2>&1); [ $? -eq 0 ] || fail "-t: a per-site problem failed the policy: $out"
echo "$out" | grep -q "^warning: site lax: key $T/lax.key is readable by group or others (mode 0640).*(this site is skipped; the others run)" || fail "-t: $out"
echo "$out" | grep -q "site laxok" && fail "allow_readable_key = true was not honoured: $out"
start_certbindd
ctl status | grep -Eq '^lax +198\.51\.100\.10:443 +failed' || fail "lax not refused"
ctl status | grep -Eq '^laxok +198\.51\.100\.20:443 +bound' || fail "laxok refused"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www' || fail "no rebind"
ctl rebind www 198.51.100.20 > "$T/ctl-rebind.out" 2>&1   # fails: nothing serves www there
ip addr del 198.51.100.10/24 dev cb1
wait_for 5 log_has 'event=address-lost site=lax|event=rebind-failed site=www' || true
{ ctl status; ctl --json status; ctl show www; ctl --json show www; ctl --json show lax
  ctl addresses; ctl reload; } > "$T/ctl.out" 2>&1
wait_for 5 test -s "$T/certbind.prom" || fail "no metrics"
for key in www lax; do
	grep -v -- '-----' "$T/$key.key" | while read -r line; do
		for f in "$T/syslog" "$T/certbindd.stderr" "$T/state" "$T/certbind.prom" "$T/ctl.out" \
			 "$T/ctl-rebind.out" "$T/nginx/www.conf" "$T/alert.env"; do
			[ -e "$f" ] || continue
			if grep -qF -- "$line" "$f"; then echo "$key key material in $f"; exit 1; fi
		done
	done || fail "private key material leaked"
done
pass
