#!/bin/bash
# SPDX-License-Identifier: MIT
# time-limit: 600
# The libFuzzer targets (policy loader, template renderer, control parser, address-event ->
# decision path) under ASan+UBSan, FUZZ_SECONDS each (20 by default here; make fuzz: 30),
# after replaying their seed corpora (where any crasher found is kept as a regression).
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || { echo "SKIP: t_fuzz: no clang"; exit 77; }
out=$(make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(fuzz |Done )' | sed 's/^/  /'
[ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -n 40; echo "FAIL: t_fuzz"; exit 1; }
echo "PASS: t_fuzz"
