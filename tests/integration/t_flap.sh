#!/bin/bash
# SPDX-License-Identifier: MIT
# An address that leaves and returns within settle_ms, 20 times: no rebind, no alert.
# A second site ("probe") loses its address after the flapping, and its address-lost (one
# settle_ms later) proves the flapping site's settle deadlines have all passed: no sleeps.
. "$(dirname "$0")/lib.sh"
SETTLE_MS=1000 www_site rebind
ip addr add 198.51.100.10/24 dev cb1
make_cert probe probe.example.test "IP:198.51.100.10"
sed -i 's|^} );$||' "$T/certbind.conf"
cat >> "$T/certbind.conf" <<EOC
}, { name = "probe"; address = "198.51.100.10"; port = 8443; certificate = "$T/probe.pem";
     key = "$T/probe.key"; on_change = "alert"; } );
EOC
ip addr add 192.0.2.201/24 dev cb0     # a candidate is there all along: a rebind could happen
start_certbindd
wait_for 10 grep -q 'site = "www"' "$T/state" || fail "no state"
reloads=$(nginx_reloads)
for i in $(seq 20); do
	ip addr del 192.0.2.200/24 dev cb0
	ip addr add 192.0.2.200/24 dev cb0
done
ip addr del 198.51.100.10/24 dev cb1
wait_for 10 log_has 'event=address-lost site=probe' || fail "the probe site's loss was not reported"
log_has 'event=(address-lost|no-candidate|rebind|rebind-failed|address-restored) site=www' &&
	fail "the flapping site produced an event"
[ "$(nginx_reloads)" = "$reloads" ] || fail "nginx was reloaded"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +bound' || fail "www not bound"
pass
