#!/bin/bash
# SPDX-License-Identifier: MIT
# time-limit: 600
# The Debian package: dpkg-buildpackage -us -uc -b builds it (make deb), lintian reports no
# error, and it holds the programs, the unit under /lib/systemd/system (starting nothing
# until a policy exists), the man pages, the example policy as a conffile and the group.
cd "$(dirname "$0")/../.."
for c in dpkg-buildpackage lintian dh; do
	command -v $c >/dev/null || { echo "SKIP: t_deb: no $c (make check installs it)"; exit 77; }
done
git rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: t_deb: not a git checkout"; exit 77; }
out=$(make -s deb 2>&1) || { printf '%s\n' "$out" | tail -n 30; echo "FAIL: t_deb: make deb"; exit 1; }
deb=$(ls build-deb/certbind_*_*.deb | grep -v dbgsym | head -n 1)
[ -f "$deb" ] || { echo "FAIL: t_deb: no .deb"; exit 1; }
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/certbindd ./usr/sbin/certbindctl ./lib/systemd/system/certbindd.service \
	 ./usr/share/man/man8/certbindd.8.gz ./usr/share/man/man8/certbindctl.8.gz \
	 ./usr/share/man/man5/certbind.conf.5.gz ./etc/certbind/certbind.conf.example \
	 ./usr/lib/sysusers.d/certbind.conf ./lib/systemd/system/certbindd.service.d/group.conf \
	 ./usr/share/doc/certbind/README.md ./usr/share/doc/certbind/examples/nginx.conf \
	 ./usr/share/doc/certbind/examples/certbind-rules.yml; do
	printf '%s\n' "$files" | grep -qx -- "$f" || { echo "FAIL: t_deb: $f not in the package"; exit 1; }
done
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
dpkg-deb -e "$deb" "$d/ctl"
grep -qx /etc/certbind/certbind.conf.example "$d/ctl/conffiles" || { echo "FAIL: t_deb: the example policy is not a conffile"; exit 1; }
grep -q 'systemd-sysusers' "$d/ctl/postinst" || { echo "FAIL: t_deb: postinst creates no group"; exit 1; }
grep -q 'groupdel certbind' "$d/ctl/postrm" || { echo "FAIL: t_deb: purge keeps the group"; exit 1; }
dpkg-deb -x "$deb" "$d/root"
grep -q '^ConditionPathExists=/etc/certbind/certbind.conf$' "$d/root/lib/systemd/system/certbindd.service" ||
	{ echo "FAIL: t_deb: the unit would start without a policy"; exit 1; }
grep -q '^ExecStart=/usr/sbin/certbindd ' "$d/root/lib/systemd/system/certbindd.service" ||
	{ echo "FAIL: t_deb: ExecStart not /usr/sbin"; exit 1; }
echo "  $(basename "$deb"): $(stat -c %s "$deb") bytes, lintian: no errors"
echo "PASS: t_deb"
