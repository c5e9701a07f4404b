#!/bin/bash
# SPDX-License-Identifier: MIT
# Links: a site with interface = "cb0" follows the interface by name. Renaming cb0 away
# loses the site's address (it is no longer on "cb0"); renaming it back restores it.
# Deleting an interface makes its addresses vanish through the same path.
. "$(dirname "$0")/lib.sh"
www_site alert 'interface = "cb0";'
ip link add dl0 type veth peer name dl1
ip link set dl0 up
ip addr add 198.51.100.10/24 dev dl0
sed -i 's|^} );$||' "$T/certbind.conf"
cat >> "$T/certbind.conf" <<EOC
}, { name = "gone"; address = "198.51.100.10"; port = 443; certificate = "$T/www.pem";
     key = "$T/www.key"; } );
EOC
start_certbindd
ip link set cb0 down
ip link set cb0 name wan0
ip link set wan0 up
wait_for 10 log_has 'event=address-lost site=www endpoint=192\.0\.2\.200:443' ||
	fail "renaming the site's interface away did not lose the address"
ip link set wan0 down
ip link set wan0 name cb0
ip link set cb0 up
wait_for 10 log_has 'event=address-restored site=www' || fail "renaming it back did not restore it"
ip link del dl0
wait_for 10 log_has 'event=address-lost site=gone endpoint=198\.51\.100\.10:443' ||
	fail "deleting an interface did not lose its addresses"
wait_for 10 tables_equal || fail "table differs from the kernel's after link changes"
pass
