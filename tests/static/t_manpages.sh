#!/bin/bash
# SPDX-License-Identifier: MIT
# The man pages format without a single warning (groff -ww and man --warnings).
cd "$(dirname "$0")/../.."
rc=0
for m in man/*.[58]; do
	out=$(LC_ALL=C.UTF-8 groff -ww -man -z "$m" 2>&1)
	out+=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	if [ -n "$out" ]; then
		echo "FAIL: $m:"; echo "$out"; rc=1
	fi
done
[ $rc -eq 0 ] && echo "PASS: t_manpages"
exit $rc
