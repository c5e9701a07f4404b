#!/bin/bash
# SPDX-License-Identifier: MIT
# The documented fix for an expired certificate works. The site starts with an expired
# certificate: it is reported and skipped. Replacing the files is enough: certbind notices
# (inotify), re-proves the site and handles the next renumbering. Breaking it again fails the
# site once; replacing it and `certbindctl reload` (the fix the log names) also recovers it.
. "$(dirname "$0")/lib.sh"
FOLLOW_EXTRA='prefix = "192.0.2.0/24";' www_site rebind
SANS="DNS:www.example.test,IP:192.0.2.200,IP:192.0.2.201,IP:192.0.2.202"
make_cert_until www www.example.test "$SANS" "$(utc_in $((30 * 86400)))"
cp "$T/www.pem" "$T/good.pem"; cp "$T/www.key" "$T/good.key"
GOOD_FP=$(file_fp "$T/good.pem")
$NGINX -s reload
make_cert_until www www.example.test "$SANS" 20260101000000Z    # expired
start_certbindd
wait_for 10 log_has 'event=cert-expired site=www' || fail "the expired certificate was not reported"
ctl status | grep -Eq '^www .* failed ' || fail "not failed: $(ctl status)"
log_has 'event=cert-expired site=www .*action="the site is skipped until the files are replaced \(noticed by itself; certbindctl reload also re-checks them\)"' ||
	fail "the log does not say what to do"
# Replaced: no command needed.
cp "$T/good.key" "$T/www.key.new"; mv "$T/www.key.new" "$T/www.key"
cp "$T/good.pem" "$T/www.pem.new"; mv "$T/www.pem.new" "$T/www.pem"
wait_for 10 sh -c "'$CERTBINDCTL' -s '$T/ctl.sock' status | grep -Eq '^www +192\.0\.2\.200:443 +bound'" ||
	fail "the replaced certificate did not bring the site back: $(ctl status)"
log_has 'event=cert-recovered site=www certificate=' || fail "the recovery was not logged"
ctl status | grep -E '^www ' | grep -Eq 'cert-(unreadable|expired)' && fail "the last event still says the failure: $(ctl status)"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443' ||
	fail "no rebind after the recovery"
[ "$(served_fp 192.0.2.201 443 www.example.test)" = "$GOOD_FP" ] || fail ".201 not served"
# Broken again, then replaced, and the documented command.
make_cert_until www www.example.test "$SANS" 20260101000000Z
wait_for 10 sh -c "'$CERTBINDCTL' -s '$T/ctl.sock' status | grep -Eq '^www .* failed '" ||
	fail "an expired replacement did not fail the site: $(ctl status)"
cp "$T/good.key" "$T/www.key"; cp "$T/good.pem" "$T/www.pem"
ctl reload >/dev/null || fail "certbindctl reload failed"
wait_for 10 sh -c "'$CERTBINDCTL' -s '$T/ctl.sock' status | grep -Eq '^www +192\.0\.2\.201:443 +bound'" ||
	fail "replaced + certbindctl reload did not recover the site: $(ctl status)"
ip addr del 192.0.2.201/24 dev cb0
ip addr add 192.0.2.202/24 dev cb0
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.201:443 new=192\.0\.2\.202:443' ||
	fail "no rebind after the second recovery"
pass
