#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the whole suite: cmocka unit tests, then the namespace integration tests.
# Ends with one line "N passed, N failed, N skipped"; exits non-zero if anything failed
# (and, under CI, if anything was skipped: CI runs as root and must run every test).
# ONLY=pattern restricts integration tests to matching names.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
passed=0 failed=0 skipped=0 failures=""
start=$(date +%s)
# Logs of this run only: two suites may run side by side (e.g. two checkouts).
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/certbind-suite.XXXXXX")

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | grep -E '^\[  PASSED  \] [0-9]+' | awk '{s+=$4} END {print s+0}')
	f=$(printf '%s\n' "$out" | grep -E '^\[  FAILED  \] [0-9]+' | awk '{s+=$4} END {print s+0}')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		[ "$f" -eq 0 ] && failed=$((failed + 1))
		failures="$failures $(basename "$t")"
		printf '%s\n' "$out" | grep -vE '^\[ +(RUN|OK) +\]'
	fi
	echo "unit $(basename "$t"): $p passed, $f failed"
done

for t in tests/static/t_*.sh tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	case $name in *${ONLY:-}*) ;; *) continue ;; esac
	t0=$(date +%s%N)
	# 300 s unless the test says otherwise ("# time-limit: N" near its top).
	limit=$(sed -n '1,10s/^# time-limit: *\([0-9]*\).*/\1/p' "$t" | head -n 1)
	timeout -k 10 "${limit:-300}" "$t" > "$LOGS/$name.log" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	case $rc in
	0) passed=$((passed + 1)); echo "PASS $name (${ms} ms)" ;;
	77) skipped=$((skipped + 1)); grep -m1 SKIP "$LOGS/$name.log" ;;
	*) failed=$((failed + 1)); failures="$failures $name"
	   echo "FAIL $name (${ms} ms, exit $rc)"; sed 's/^/    /' "$LOGS/$name.log" ;;
	esac
done

echo "suite took $(( $(date +%s) - start )) s${failures:+; failed:$failures} (logs: $LOGS)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
if [ "${CI:-}" = true ] && [ "$skipped" -ne 0 ]; then
	echo "CI runs as root: no test may be skipped" >&2
	exit 1
fi
exit 0
