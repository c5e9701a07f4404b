#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's service steps under a real systemd (PID 1 of a private container): make
# install, policy, certbindd -t, the drop-in, enable --now, the include, a renumbering, a
# rejected and an accepted systemctl reload, a late address at boot, the watchdog.
. "$(dirname "$0")/systemd.inc"
sd_boot
# The tree, as a checkout (with its build, so make finds nothing to do), copied into the
# container's root from outside: the checkout may sit under a /tmp the container hides.
mkdir -p "$R/root/src"
(cd "$TOP" && git ls-files -z | xargs -0 cp -p --parents -t "$R/root/src" && cp -a build "$R/root/src/") ||
	fail "cannot copy the tree into the container"
# README: make && sudo make install
sd sh -c "cd /root/src && make -s && make -s install" > "$D/install.log" 2>&1 ||
	{ tail -n 20 "$D/install.log"; fail "make install"; }
PREFIX=/usr/local
. "$(dirname "$0")/systemd_scenario.inc"
echo "PASS: $TESTNAME"
