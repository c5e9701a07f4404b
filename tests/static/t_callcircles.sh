#!/bin/bash
# SPDX-License-Identifier: MIT
# No circle of calls between C files (monitor/, netlink/, policy/): calls between files run
# one way, as doc/DESIGN.md draws them. The check can fail: it is also run on a circle made
# for it (two files that call each other).
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "SKIP: t_callcircles: no python3 (make check installs it)"; exit 77; }
out=$(python3 tests/static/callcircles.py monitor netlink policy util) ||
	{ printf '%s\n' "$out"; echo "FAIL: t_callcircles"; exit 1; }
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
printf 'int b_two(void);\nint a_one(void)\n{\n\treturn b_two();\n}\n' > "$d/a.c"
printf 'int a_one(void);\nint b_two(void)\n{\n\treturn a_one() + 1;\n}\n' > "$d/b.c"
python3 tests/static/callcircles.py "$d" > "$d/out" && { echo "FAIL: t_callcircles: a made circle was not found"; exit 1; }
grep -q "circle of 2 files" "$d/out" || { echo "FAIL: t_callcircles: $(cat "$d/out")"; exit 1; }
echo "  $(printf '%s\n' "$out" | tail -n 1)"
echo "PASS: t_callcircles"
