#!/bin/bash
# SPDX-License-Identifier: MIT
# One writer per field of a site: each field of struct siteinfo is written from the one file
# doc/DESIGN.md names for it ("Who writes a site's fields"), as the compiler sees it (every
# member made const in a copy of siteinfo.h; tests/static/owners.py). The check can fail: it is
# also run on a copy of the code with one write moved to a file that does not own it.
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null && command -v gcc >/dev/null ||
	{ echo "SKIP: t_owners: no python3 or gcc (make check installs them)"; exit 77; }
pkgs=$(sed -n 's/^PKGS *:= *//p' Makefile)
flags="-std=gnu11 -I. -D_GNU_SOURCE -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
	-DCERTBIND_VERSION=\"check\" $(pkg-config --cflags $pkgs)"
# shellcheck disable=SC2086
out=$(python3 tests/static/owners.py $flags -- doc/DESIGN.md) ||
	{ printf '%s\n' "$out" | grep '^  '; echo "FAIL: t_owners"; exit 1; }
# A made violation: operator.c writes a timer act.c owns.
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
cp -r monitor netlink policy util doc Makefile "$d/"
sed -i 's|^\tact_settle_cancel(si);|\tloop_cancel(set->L, \&si->settle);|' "$d/monitor/sites/operator.c"
grep -q 'loop_cancel(set->L, &si->settle)' "$d/monitor/sites/operator.c" ||
	{ echo "FAIL: t_owners: could not make the violation"; exit 1; }
# shellcheck disable=SC2086
(cd "$d" && python3 "$OLDPWD/tests/static/owners.py" $flags -- doc/DESIGN.md) > "$d/out" &&
	{ echo "FAIL: t_owners: a write from a file that does not own the field was not found"; exit 1; }
grep -q 'settle: written from operator.c, owned by act.c' "$d/out" ||
	{ echo "FAIL: t_owners: $(grep '^  ' "$d/out")"; exit 1; }
echo "  $(printf '%s\n' "$out" | grep -vc '^  ') fields, each written from one file"
echo "PASS: t_owners"
