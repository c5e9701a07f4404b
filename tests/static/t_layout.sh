#!/bin/bash
# SPDX-License-Identifier: MIT
# The shape of the code: calls (includes) between monitor/'s folders point one way only,
# program -> control -> daemon -> sites -> rebind -> {report, certs} -> core; netlink/ and
# policy/ never reach into monitor/; util/ (the floor) includes nothing of ours; no .c file
# over 600 lines; no function over 80 lines or over a cyclomatic complexity of 15; every
# source file starts with an SPDX line.
cd "$(dirname "$0")/../.."
rank() {   # the layer of a path: higher may include lower, never the reverse
	case $1 in
	monitor/main/*) echo 8 ;; monitor/control/*) echo 7 ;; monitor/daemon/*) echo 6 ;;
	monitor/sites/*) echo 5 ;; monitor/rebind/*) echo 4 ;;
	monitor/report/*|monitor/certs/*) echo 3 ;; monitor/core/*) echo 2 ;;
	policy/*|netlink/*) echo 1 ;; *) echo 0 ;;
	esac
}
bad=0
for f in $(find monitor netlink policy util -name '*.[ch]' | sort); do
	head -n 1 "$f" | grep -q 'SPDX-License-Identifier' || { echo "  $f: no SPDX line first"; bad=1; }
	from=$(rank "$f")
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		to=$(rank "$inc")
		# netlink/ and policy/ are one layer; between them only policy -> netlink.
		case $f:$inc in netlink/*:policy/*) echo "  $f includes $inc (netlink must not know policy)"; bad=1 ;; esac
		if [ "$to" -gt "$from" ]; then
			echo "  $f includes $inc: a call up the layers"
			bad=1
		fi
	done
done
# Same-layer folders that must stay apart: report/ and certs/ do not use each other.
grep -l '#include "monitor/certs/' monitor/report/*.c monitor/report/*.h 2>/dev/null | sed 's/^/  certs used from /' | grep . && bad=1
big=$(find monitor netlink policy util -name '*.c' -exec wc -l {} + | awk '$2 != "total" && $1 > 600 {print "  " $2 ": " $1 " lines"}')
[ -z "$big" ] || { echo "$big"; bad=1; }
if command -v pmccabe >/dev/null; then
	long=$(pmccabe -v $(find monitor netlink policy util -name '*.c') 2>/dev/null |
		awk '$5 ~ /^[0-9]+$/ && $5 > 80 {print "  " $7 ": " $5 " lines"}')
	[ -z "$long" ] || { echo "$long"; bad=1; }
	# No function with a cyclomatic complexity over 15 (pmccabe's modified count).
	complex=$(pmccabe $(find monitor netlink policy util -name '*.c') 2>/dev/null |
		awk '$1 ~ /^[0-9]+$/ && $1 > 15 {print "  " $6 ": complexity " $1}')
	[ -z "$complex" ] || { echo "$complex"; bad=1; }
else
	echo "SKIP: t_layout: no pmccabe (make check installs it)"
	exit 77
fi
[ $bad -eq 0 ] || { echo "FAIL: t_layout"; exit 1; }
echo "PASS: t_layout"
