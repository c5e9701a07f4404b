#!/bin/bash
# SPDX-License-Identifier: MIT
# time-limit: 600
# Static analysis is part of the suite: clang's analyzer (scan-build) reports nothing on the
# whole build, and cppcheck finds no warning, portability or performance problem.
cd "$(dirname "$0")/../.."
command -v scan-build >/dev/null || { echo "SKIP: t_static_analysis: no scan-build (clang-tools)"; exit 77; }
command -v cppcheck >/dev/null || { echo "SKIP: t_static_analysis: no cppcheck"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
if ! scan-build -o "$d/report" --status-bugs --use-cc=clang make -s BUILD="$d/build" CC=clang \
	all "$d/build/libcertbind.a" > "$d/scan.log" 2>&1; then
	grep -E 'warning:|error:|bugs? found' "$d/scan.log" | head -n 40
	echo "FAIL: t_static_analysis: scan-build reported problems"
	exit 1
fi
grep -q 'No bugs found' "$d/scan.log" || { tail -n 20 "$d/scan.log"; echo "FAIL: t_static_analysis: scan-build did not say 'No bugs found'"; exit 1; }
if ! cppcheck -q --error-exitcode=1 --enable=warning,portability,performance \
	--inline-suppr --std=c11 -I. -D_GNU_SOURCE \
	monitor netlink policy util > "$d/cppcheck.log" 2>&1; then
	cat "$d/cppcheck.log"
	echo "FAIL: t_static_analysis: cppcheck"
	exit 1
fi
echo "  scan-build: no bugs found; cppcheck: clean"
echo "PASS: t_static_analysis"
