#!/bin/bash
# SPDX-License-Identifier: MIT
# A certificate renewed on disk is the one certbind judges. The site's certificate expires in
# 20 s; it is replaced by rename with a valid 30-day one and nginx reloaded, as an ACME deploy
# hook does. certbind notices the new file by itself (no command), stops warning about the old
# one, never declares it expired, keeps the site bound, and the next renumbering is served.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind 'alert = { repeat_s = 2; };'
expires=$(( $(date +%s) + 20 ))
make_cert_until www www.example.test "DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201" \
	"$(utc_in 20)"
$NGINX -s reload
start_certbindd
wait_for 10 log_has 'event=cert-expiring site=www days_left=0' || fail "no cert-expiring for the old certificate"
# The renewal: new key and certificate renamed into place, then the server reloaded.
make_cert_until www www.example.test "DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201" \
	"$(utc_in $((30 * 86400)))"
NEW_FP=$(file_fp "$T/www.pem")
$NGINX -s reload
wait_for 10 log_has "event=cert-changed site=www certificate=$T/www.pem fingerprint=" ||
	fail "the replaced certificate was not noticed"
warned=$(log_count 'event=cert-expiring site=www')
# Past the old certificate's expiry (and a reminder period): no word about it.
wait_for 40 sh -c "[ \$(date +%s) -ge $((expires + 3)) ]" || fail "clock"
log_has 'event=cert-expired' && fail "the renewed certificate was declared expired"
[ "$(log_count 'event=cert-expiring site=www')" -eq "$warned" ] || fail "still warning about the old certificate"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +bound' || fail "not bound: $(ctl status)"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$NEW_FP" ] || fail "the new certificate is not served"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has "event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 fingerprint=SHA256:$NEW_FP" ||
	fail "the renumbering after a renewal was not handled"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$NEW_FP" ] || fail ".201 not served"
pass
