#!/bin/bash
# SPDX-License-Identifier: MIT
# The alert command: run without a shell with the CERTBIND_* environment; reminders every
# repeat_s while the condition lasts; a hanging command is killed (whole process group) at
# alert.timeout_ms, its failure logged, and other events are handled meanwhile.
. "$(dirname "$0")/lib.sh"
www_site alert 'alert = { priority = "err"; repeat_s = 1; command = [ "'"$T"'/notify-oncall", "--page" ]; };'
cat > "$T/notify-oncall" <<EOS
#!/bin/sh
{ echo "ARGS=\$*"; env | grep -E '^(CERTBIND_|PATH=)' | sort; echo END; } >> $T/alert.env
EOS
cat > "$T/hang" <<EOS
#!/bin/sh
echo \$\$ > $T/hang.pid
sleep 600 &
echo \$! > $T/hang-child.pid
wait
EOS
chmod +x "$T/notify-oncall" "$T/hang"
ip addr add 198.51.100.10/24 dev cb1
sed -i 's|^} );$||' "$T/certbind.conf"
cat >> "$T/certbind.conf" <<EOC
}, { name = "slow"; address = "198.51.100.10"; port = 443; certificate = "$T/www.pem";
     key = "$T/www.key"; on_change = "alert";
     alert = { repeat_s = 0; timeout_ms = 1500; command = [ "$T/hang" ]; }; } );
EOC
start_certbindd
ip addr del 192.0.2.200/24 dev cb0
wait_for 10 grep -q '^END$' "$T/alert.env" || fail "alert command did not run"
grep -q '^ARGS=--page$' "$T/alert.env" || fail "arguments not passed"
grep -q '^CERTBIND_EVENT=address-lost$' "$T/alert.env" || fail "CERTBIND_EVENT"
grep -q '^CERTBIND_SITE=www$' "$T/alert.env" || fail "CERTBIND_SITE"
grep -q '^CERTBIND_OLD=192.0.2.200:443$' "$T/alert.env" || fail "CERTBIND_OLD"
grep -q '^CERTBIND_NEW=$' "$T/alert.env" || fail "CERTBIND_NEW (no candidate: empty)"
grep -q '^CERTBIND_REASON=.' "$T/alert.env" || fail "CERTBIND_REASON"
# Reminders while it lasts, not more often than repeat_s.
wait_for 10 log_has '^err certbind\[[0-9]+\]: event=address-lost site=www .*repeat=2$' || fail "no reminders"
wait_for 5 sh -c "[ \$(grep -c '^END$' '$T/alert.env') -ge 3 ]" || fail "the command did not run for the reminders"
ctl --json show www | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["site"]["reminder_in_ms"] is None)' ||
	fail "no reminder pending while unbound"
# The hanging command: killed at its timeout; meanwhile www's return is handled.
ip addr del 198.51.100.10/24 dev cb1
wait_for 10 test -s "$T/hang-child.pid" || fail "hanging alert command did not start"
ip addr add 192.0.2.200/24 dev cb0
wait_for 5 log_has 'event=address-restored site=www' || fail "events stalled behind a hanging alert command"
kill -0 "$(cat "$T/hang-child.pid")" 2>/dev/null || fail "hang ended before its timeout: the test proves nothing"
wait_for 10 log_has '^warning certbind\[[0-9]+\]: event=alert-failed site=slow alert=address-lost reason="alert command timed out after 1500 ms \(process group killed\)"' ||
	fail "no alert-failed for the hanging command"
wait_for 5 sh -c "! kill -0 $(cat "$T/hang-child.pid") 2>/dev/null" || fail "the command's child survived"
ctl --json show www | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["site"]["reminder_in_ms"] is not None)' ||
	fail "a reminder is still pending after the address came back"
pass
