#!/bin/bash
# SPDX-License-Identifier: MIT
# The batch-isolation world of t_batch_bind_culprit, but the server's words are not at hand
# (no error log to read): the failed batch of 40 is split in halves until the site that fails
# the others is isolated, in at most ceil(log2 40) + 1 = 7 more rounds and far fewer reloads
# than sites; every other site ends rebound and served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/batch.inc"
batch_world "$T/no-such-error.log"
foreign_listener 198.51.100.20
before=$(nginx_reloads)
batch_renumber
wait_for 120 log_has 'event=batch-isolated server=web' || fail "the batch was not narrowed down"
wait_idle
batch_good_bound 20
rounds=$(grep -o 'event=batch-isolated server=web sites=40 failed=1 rounds=[0-9]*' "$T/syslog" | sed 's/.*=//')
[ -n "$rounds" ] || fail "want one site failed: $(grep batch-isolated "$T/syslog")"
[ "$rounds" -le 7 ] || fail "$rounds rounds, want at most 7"
reloads=$(( $(nginx_reloads) - before ))
note "40 sites, one unbindable endpoint, no words: isolated in $rounds rounds, $reloads nginx reloads"
[ "$reloads" -le 16 ] || fail "$reloads reloads for 40 sites: nearly one per site"
log_has 'event=rebind-failed site=s20 old=192\.0\.2\.20:443 new=198\.51\.100\.20:443 ' || fail "s20 did not fail"
[ "$(log_count 'event=rebind-failed site=s([0-9]|1[0-9]|2[1-9]|3[0-9]|40) ')" -eq 0 ] ||
	fail "other sites failed: $(grep rebind-failed "$T/syslog" | grep -v 'site=s20 ' | head -2)"
pass
