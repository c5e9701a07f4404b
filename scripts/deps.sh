#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages certbind needs to build and test, only those missing.
set -eu
pkgs="build-essential pkg-config libnl-3-dev libnl-route-3-dev libnl-idiag-3-dev libssl-dev
 openssl libconfig-dev libsystemd-dev libcmocka-dev libjson-c-dev nginx rsyslog iproute2
 util-linux procps psmisc python3 clang libclang-rt-14-dev man-db groff-base
 clang-tools-14 cppcheck pmccabe prometheus apache2 haproxy
 pebble uacme curl keepalived
 debhelper dpkg-dev fakeroot lintian"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine.
apt-get update -qq
# policy-rc.d keeps the packages' maintainer scripts from starting a system nginx/rsyslogd.
rcd=/usr/sbin/policy-rc.d
created=""
if [ ! -e "$rcd" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$rcd" && chmod 755 "$rcd" && created=1
fi
rc=0
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ -n "$created" ] && rm -f "$rcd"
exit $rc
