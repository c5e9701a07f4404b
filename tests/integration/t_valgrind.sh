#!/bin/bash
# SPDX-License-Identifier: MIT
# valgrind --leak-check=full --error-exitcode=1 on a daemon run through start-up, a rebind,
# a SIGHUP (policy reload) and a stop: no error, no leak.
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || skip "valgrind missing"
# valgrind cannot run a sanitizer build: always the plain one (make asan builds it too).
CERTBINDD=$TOP/build/certbindd
[ -x "$CERTBINDD" ] || fail "no plain build at $CERTBINDD (make all)"
www_site rebind 'verify = { timeout_ms = 20000; }; reload_timeout_ms = 20000;'
valgrind --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite,indirect \
	--log-file="$T/valgrind.log" "$CERTBINDD" -f -c "$T/certbind.conf" >> "$T/certbindd.stderr" 2>&1 &
CB_PID=$!; PIDS="$PIDS $CB_PID"
wait_for 60 test -S "$T/ctl.sock" || fail "no control socket under valgrind"
wait_for 60 idle || fail "start-up did not finish"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 60 log_has 'event=rebind site=www' || fail "no rebind under valgrind"
kill -HUP "$CB_PID"
wait_for 30 log_has 'event=config-reloaded' || fail "no reload"
kill -TERM "$CB_PID"
wait "$CB_PID"; rc=$?
grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$T/valgrind.log" | sed 's/^==[0-9]*== /  valgrind: /'
[ $rc -eq 0 ] || { tail -n 60 "$T/valgrind.log"; fail "valgrind reported errors or leaks (exit $rc)"; }
CB_PID=
pass
