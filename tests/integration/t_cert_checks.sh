#!/bin/bash
# SPDX-License-Identifier: MIT
# Certificate problems stay with their site: a key that does not match makes that site
# "failed" while the others run; a certificate expiring in 5 days (expiry_warn_days = 21)
# is reported once, not once per event.
. "$(dirname "$0")/lib.sh"
www_site rebind
make_cert soon soon.example.test "DNS:soon.example.test" 5
make_cert other other.example.test "DNS:other.example.test"
ip addr add 198.51.100.10/24 dev cb1
ip addr add 198.51.100.20/24 dev cb1
sed -i 's|^} );$||' "$T/certbind.conf"
cat >> "$T/certbind.conf" <<EOC
}, { name = "badkey"; address = "198.51.100.10"; port = 443; certificate = "$T/www.pem";
     key = "$T/other.key"; on_change = "alert"; },
   { name = "soon"; address = "198.51.100.20"; port = 443; certificate = "$T/soon.pem";
     key = "$T/soon.key"; on_change = "alert"; alert = { repeat_s = 3600; }; } );
EOC
sed -i 's|settle_ms = 300;|settle_ms = 300; expiry_warn_days = 21;|' "$T/certbind.conf"
out=$("$CERTBINDD" -t -c "$T/certbind.conf" 2>&1); rc=$?
# One rule: a problem of one site skips that site (the daemon runs the others): a warning
# naming it, exit 0; only policy errors exit 78.
[ $rc -eq 0 ] || fail "certbindd -t: exit $rc, want 0 (a per-site problem)"
echo "$out" | grep -q "^warning: site badkey: key $T/other.key does not match certificate $T/www.pem.* (this site is skipped; the others run)" ||
	fail "certbindd -t does not name the site: $out"
start_certbindd
wait_for 10 log_has '^err certbind\[[0-9]+\]: event=cert-unreadable site=badkey ' || fail "no cert-unreadable for badkey"
ctl status | grep -Eq '^badkey +198\.51\.100\.10:443 +failed' || fail "badkey not failed"
ctl show badkey | grep -q "^reason *site badkey: key $T/other.key does not match" || fail "show badkey: no reason: $(ctl show badkey)"
ctl show badkey | grep -q '^next *use it again once its certificate and key are replaced' || fail "show badkey: no next"
ctl --json show badkey | grep -q '"reason_event": *"cert-unreadable"' || fail "--json show: no reason_event"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +bound' || fail "www not running"
wait_for 5 log_has '^warning certbind\[[0-9]+\]: event=cert-expiring site=soon days_left=[45] ' ||
	fail "no cert-expiring for soon"
# Many events later (a rebind, address churn), still exactly one cert-expiring.
for i in $(seq 30); do ip addr add 203.0.113.$i/24 dev cb1; done
for i in $(seq 30); do ip addr del 203.0.113.$i/24 dev cb1; done
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www' || fail "the good site did not rebind"
[ "$(log_count 'event=cert-expiring')" -eq 1 ] || fail "cert-expiring logged $(log_count 'event=cert-expiring') times"
pass
