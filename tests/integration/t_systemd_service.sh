#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's service steps under a real systemd (PID 1 of a private container): make
# install, policy, certbindd -t, the drop-in, enable --now, the include, a renumbering, a
# rejected and an accepted systemctl reload, a late address at boot, the watchdog.
. "$(dirname "$0")/systemd.inc"
sd_boot
# README: make && sudo make install (the tree is already built: make finds nothing to do).
sd sh -c "cp -a '$TOP' /tmp/src && cd /tmp/src && make -s && make -s install" > "$D/install.log" 2>&1 ||
	{ tail -n 20 "$D/install.log"; fail "make install"; }
PREFIX=/usr/local
. "$(dirname "$0")/systemd_scenario.inc"
echo "PASS: $TESTNAME"
