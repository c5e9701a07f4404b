#!/bin/bash
# SPDX-License-Identifier: MIT
# The alert rules shipped in dist/prometheus pass promtool's checks and their unit tests
# (tests/prometheus: every alert fires when it should, and not before).
cd "$(dirname "$0")/../.."
command -v promtool >/dev/null || { echo "SKIP: t_prometheus_rules: no promtool (make check installs prometheus)"; exit 77; }
promtool check rules dist/prometheus/certbind-rules.yml || { echo "FAIL: promtool check rules"; exit 1; }
(cd tests/prometheus && promtool test rules certbind-rules.test.yml) || { echo "FAIL: promtool test rules"; exit 1; }
echo "PASS: t_prometheus_rules"
