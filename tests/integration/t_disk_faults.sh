#!/bin/bash
# SPDX-License-Identifier: MIT
# Disk faults. The output directory is a tiny tmpfs: full (ENOSPC) -> the previous file
# stays intact and rebind-failed says why; read-only -> the same; writable again -> the
# next attempt (a retry, or a new matching address) rebinds. The state file's directory vanishing -> a clear error, the
# daemon keeps running, and the file is written again once the directory is back.
. "$(dirname "$0")/lib.sh"
www_site rebind
mkdir -p "$T/small" "$T/statedir"
mount -t tmpfs -o size=64k certbind-small "$T/small"
cp "$T/nginx/www.conf" "$T/small/www.conf"
sed -i "s|include $T/nginx/www.conf;|include $T/small/www.conf;|" "$T/nginx.conf"
$NGINX -s reload
sed -i "s|output = \"$T/nginx/www.conf\"|output = \"$T/small/www.conf\"|; s|state_file = \"$T/state\"|state_file = \"$T/statedir/state\"|" "$T/certbind.conf"
start_certbindd
cp "$T/small/www.conf" "$T/before"
dd if=/dev/zero of="$T/small/filler" bs=4k 2>/dev/null
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 10 log_has "event=rebind-failed site=www old=192\.0\.2\.200:443 new=192\.0\.2\.201:443 reason=\"cannot write $T/small/www.conf: No space left on device\" rollback=yes" ||
	fail "ENOSPC: no rebind-failed naming the cause"
cmp -s "$T/small/www.conf" "$T/before" || fail "ENOSPC: the previous file was damaged"
[ -z "$(ls -A "$T/small" | grep -v -e '^www.conf$' -e '^filler$')" ] || fail "ENOSPC: temporary file left: $(ls -A "$T/small")"
# Read-only (still full): the retries (1 s, doubling) and a new address fail with EROFS.
mount -o remount,ro "$T/small"
ip addr add 192.0.2.202/24 dev cb0      # a new matching address: another attempt
wait_for 10 log_has "reason=\"cannot write $T/small/www.conf: Read-only file system\" rollback=yes" ||
	fail "read-only: no rebind-failed naming the cause"
log_has 'hint="read-only for certbindd: under systemd, add the directory to ReadWritePaths=- in a drop-in \(systemctl edit certbindd\), then systemctl restart certbindd: a drop-in takes effect only at a restart"' ||
	fail "read-only: the hint does not say a drop-in needs a restart"
cmp -s "$T/small/www.conf" "$T/before" || fail "read-only: the previous file was damaged"
mount -o remount,rw "$T/small"
rm "$T/small/filler"
ip addr add 192.0.2.203/24 dev cb0
# Writable again: the next attempt (a retry, or the new address) rebinds, to any of them.
wait_for 15 log_has 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.20[123]:443' || fail "no rebind once writable"
X=$(grep -o 'event=rebind site=www old=192\.0\.2\.200:443 new=192\.0\.2\.20[123]' "$T/syslog" | head -n 1 | sed 's/.*new=//')
# The state directory vanishes (moved away in one step: certbindd may be writing its state
# file there right now, and rm -rf would then find it not empty).
mv "$T/statedir" "$T/statedir.gone"
rm -rf "$T/statedir.gone" 2>/dev/null || true
ip addr del "$X/24" dev cb0
wait_for 10 log_has "^err certbind\[[0-9]+\]: cannot write state file $T/statedir/state: No such file or directory" ||
	fail "no clear error for the vanished state directory"
ctl status >/dev/null || fail "daemon stopped answering"
wait_for 15 log_has "event=rebind site=www old=${X//./\\.}:443 new=192\.0\.2\.20[123]:443" ||
	fail "daemon stopped rebinding"
[ "$(log_count 'cannot write state file')" -eq 1 ] || fail "the state error was repeated $(log_count 'cannot write state file') times"
mkdir "$T/statedir"
ip addr add 192.0.2.204/24 dev cb0
wait_for 10 test -s "$T/statedir/state" || fail "state file not written again"
log_has "event=state-written-again file=$T/statedir/state" || fail "recovery not logged"
pass
