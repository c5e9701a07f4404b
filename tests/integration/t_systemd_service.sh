#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's service steps under a real systemd (PID 1 of a private container): make
# install, policy, certbindd -t, the drop-in, enable --now, the include, a renumbering, a
# rejected and an accepted systemctl reload, a late address at boot, the watchdog.
. "$(dirname "$0")/systemd.inc"
sd_boot
sd_install_tree   # README: make && sudo make install
PREFIX=/usr/local
. "$(dirname "$0")/systemd_scenario.inc"
echo "PASS: $TESTNAME"
