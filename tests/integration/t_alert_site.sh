#!/bin/bash
# SPDX-License-Identifier: MIT
# An on_change = "alert" site: losing its address raises the alert at the site's configured
# priority, naming the candidates, and leaves its snippet untouched.
. "$(dirname "$0")/lib.sh"
www_site alert 'alert = { priority = "crit"; repeat_s = 0; };'
start_certbindd
wait_for 10 grep -q 'state = "bound"' "$T/state" || fail "not bound at start"
before=$(md5sum < "$T/nginx/www.conf"); before_m=$(mtime "$T/nginx/www.conf")
reloads=$(nginx_reloads)
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 10 log_has '^crit certbind\[[0-9]+\]: event=address-lost site=www endpoint=192\.0\.2\.200:443 action=alert candidates=192\.0\.2\.201$' ||
	fail "no address-lost at crit with the candidate"
[ "$(md5sum < "$T/nginx/www.conf")" = "$before" ] || fail "the alert site's snippet was changed"
[ "$(mtime "$T/nginx/www.conf")" = "$before_m" ] || fail "the alert site's snippet was rewritten"
[ "$(nginx_reloads)" = "$reloads" ] || fail "nginx was reloaded for an alert site"
log_has 'event=rebind ' && fail "an alert site was rebound"
# nginx still listens on the vanished address: the forgotten binding, named.
wait_for 5 log_has '^warning certbind\[[0-9]+\]: event=listener-stale site=www endpoint=192\.0\.2\.200:443 pid=[0-9]+ process=nginx ' ||
	fail "no listener-stale naming nginx's socket on 192.0.2.200:443"
wait_for 5 grep -q 'state = "unbound"' "$T/state" || fail "state file does not say unbound"
ctl status | grep -Eq '^www +192\.0\.2\.200:443 +unbound' || fail "status does not say unbound"
# It comes back: address-restored, bound again.
ip addr add 192.0.2.200/24 dev cb0
wait_for 10 log_has 'event=address-restored site=www' || fail "no address-restored"
wait_for 5 grep -q 'state = "bound"' "$T/state" || fail "not bound after the address returned"
pass
