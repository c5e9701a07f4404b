#!/bin/bash
# SPDX-License-Identifier: MIT
# make install lays out binaries, man pages, unit and example policy; the installed unit
# passes systemd-analyze verify, and its security exposure is at most 3.0 ("OK").
cd "$(dirname "$0")/../.."
command -v systemd-analyze >/dev/null || { echo "SKIP: t_systemd_unit: no systemd-analyze"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
make -s install DESTDIR="$d" PREFIX=/usr SYSCONFDIR=/etc BUILD="${BUILD:-build}" >/dev/null || { echo "FAIL: make install"; exit 1; }
for f in usr/sbin/certbindd usr/sbin/certbindctl usr/share/man/man8/certbindd.8 \
	 usr/share/man/man8/certbindctl.8 usr/share/man/man5/certbind.conf.5 \
	 usr/lib/systemd/system/certbindd.service etc/certbind/certbind.conf.example; do
	[ -e "$d/$f" ] || { echo "FAIL: make install did not install $f"; exit 1; }
done
"$d/usr/sbin/certbindd" -t -c "$d/etc/certbind/certbind.conf.example" >/dev/null 2>&1
[ $? -eq 0 ] || { echo "FAIL: the example policy should warn only about its absent certificates"; exit 1; }
"$d/usr/sbin/certbindd" -t -c "$d/etc/certbind/certbind.conf.example" 2>&1 | grep -v "^warning: site www: " |
	grep -v "configuration OK" | grep . && { echo "FAIL: the example policy has policy errors"; exit 1; }
mkdir -p "$d/unit"
sed "s|/usr/sbin/|$d/usr/sbin/|g" "$d/usr/lib/systemd/system/certbindd.service" > "$d/unit/certbindd.service"
out=$(MANPATH="$d/usr/share/man" systemd-analyze verify "$d/unit/certbindd.service" 2>&1) ||
	{ echo "FAIL: systemd-analyze verify:"; echo "$out"; exit 1; }
score=$(systemd-analyze security --offline=true "$d/unit/certbindd.service" 2>&1 |
	sed -n 's/.*Overall exposure level for certbindd.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "FAIL: no security score"; exit 1; }
awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' || { echo "FAIL: exposure $score > 3.0"; exit 1; }
echo "PASS: t_systemd_unit (exposure $score)"
