#!/bin/bash
# SPDX-License-Identifier: MIT
# Every policy in dist/examples/ (one per server type) loads: certbindd -t finds nothing wrong
# in it but the absent certificates and template of a machine that is not the example's.
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
n=0
# failover.conf's track file lives in the service's StateDirectory: where this machine has
# none, the check runs in a mount namespace with an empty one (as root; else it is skipped).
check() {
	if grep -q '/var/lib/certbind/' "$1" && [ ! -d /var/lib/certbind ]; then
		[ "$(id -u)" -eq 0 ] || return 0
		unshare -m sh -c 'mount -t tmpfs t /var/lib && mkdir /var/lib/certbind &&
			"$0" -t -c "$1"' "$B/certbindd" "$1" 2>&1
	else
		"$B/certbindd" -t -c "$1" 2>&1
	fi
}
for f in dist/examples/*.conf; do
	out=$(check "$f")
	bad=$(printf '%s\n' "$out" | grep -Ev '^(warning: )?site [a-z]+: certificate /[^ ]*: No such file or directory( \((its issue command gets one at start|this site is skipped; the others run)\))?$|: template "/[^"]*": No such file or directory$|: configuration (invalid|OK)|^site [a-z0-9-]+: certificate /[^ ]*, key /[^ ]*( \(for .*\))?$')
	[ -z "$bad" ] || { echo "FAIL: t_examples: $f: $bad"; exit 1; }
	n=$((n + 1))
done
for t in nginx apache haproxy command; do
	[ -f "dist/examples/$t.conf" ] || { echo "FAIL: t_examples: no example for type $t"; exit 1; }
	grep -q "type = \"$t\"" "dist/examples/$t.conf" || { echo "FAIL: t_examples: $t.conf declares no $t server"; exit 1; }
done
echo "PASS: t_examples ($n policies)"
