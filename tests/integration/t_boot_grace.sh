#!/bin/bash
# SPDX-License-Identifier: MIT
# Boot without false alarms: certbindd starts before DHCP has put the addresses on the host.
# Within startup_grace_ms a missing address is "waiting": no address-lost, no no-candidate,
# no alert command; when it arrives the site is rendered, proven and bound. A site whose
# address never arrives is lost once the grace is over, as usual.
. "$(dirname "$0")/lib.sh"
printf '#!/bin/sh\necho "$CERTBIND_EVENT $CERTBIND_SITE" >> %s/alerts\n' "$T" > "$T/alert"
chmod +x "$T/alert"
GLOBAL_EXTRA='startup_grace_ms = 4000;' FOLLOW_EXTRA='prefix = "192.0.2.0/24";' \
	www_site rebind "alert = { command = [ \"$T/alert\" ]; };"
sed -i 's|^} );$||' "$T/certbind.conf"
cat >> "$T/certbind.conf" <<EOC
}, { name = "late"; address = "198.51.100.7"; port = 443; certificate = "$T/www.pem";
     key = "$T/www.key"; on_change = "alert"; alert = { command = [ "$T/alert" ]; }; } );
EOC
ip addr del 192.0.2.200/24 dev cb0
"$CERTBINDD" -f -c "$T/certbind.conf" >> "$T/certbindd.stderr" 2>&1 &
CB_PID=$!; PIDS="$PIDS $CB_PID"
wait_for 15 test -S "$T/ctl.sock" || fail "no control socket"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +waiting ' || fail "not waiting: $(ctl status)"
# DHCP, a moment later.
ip addr add 192.0.2.200/24 dev cb0
wait_for 10 sh -c "'$CERTBINDCTL' -s '$T/ctl.sock' status | grep -Eq '^www +192\.0\.2\.200:443 +bound '" ||
	fail "not bound after the address arrived: $(ctl status)"
[ "$(served_fp 192.0.2.200 443 www.example.test)" = "$WANT_FP" ] || fail "not served"
# The other site's address never comes: lost once the grace is over.
wait_for 15 log_has 'event=address-lost site=late' || fail "late: no address-lost after the grace"
log_has 'event=(address-lost|no-candidate) site=www' && fail "www: an alarm during the grace"
grep -q ' www$' "$T/alerts" 2>/dev/null && fail "www: the alert command ran: $(cat "$T/alerts")"
wait_for 5 grep -q '^address-lost late$' "$T/alerts" || fail "late: no alert command"
pass
