#!/bin/bash
# SPDX-License-Identifier: MIT
# certbindd -t / certbindctl check: line numbers for policy errors, site names for
# certificate problems (warnings: that site is skipped, the others run); exit 78 only for
# policy errors; a good policy passes with exit 0.
. "$(dirname "$0")/lib.sh"
make_cert www www.example.test "DNS:www.example.test"
make_cert other other.example.test "DNS:other.example.test"
cat > "$T/good.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; };
sites = ( { name = "www"; address = "192.0.2.200"; port = 443;
            certificate = "$T/www.pem"; key = "$T/www.key"; } );
EOC
out=$("$CERTBINDD" -t -c "$T/good.conf" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "good policy: exit $rc: $out"
echo "$out" | grep -q "configuration OK" || fail "good policy: no 'configuration OK'"

cat > "$T/bad.conf" <<EOC
global = { state_file = "$T/state"; };
sites = ( { name = "www"; address = "192.0.2.200";
            port = 99999;
            certificate = "$T/www.pem"; key = "$T/www.key"; } );
EOC
out=$("$CERTBINDD" -t -c "$T/bad.conf" 2>&1); rc=$?
[ $rc -eq 78 ] || fail "bad policy: exit $rc, want 78"
echo "$out" | grep -qF "$T/bad.conf:3: 'port' must be between 1 and 65535" ||
	fail "bad policy: no FILE:3 message: $out"

# {{site}} alone is expanded: the certificate is read from the site's directory, and the
# expanded paths are printed.
mkdir -p "$T/certs/www"
cp "$T/www.pem" "$T/certs/www/cert.pem"; cp "$T/www.key" "$T/certs/www/key.pem"
cat > "$T/site.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; };
sites = ( { name = "www"; address = "192.0.2.200"; port = 443;
            certificate = "$T/certs/{{site}}/cert.pem"; key = "$T/certs/{{site}}/key.pem"; } );
EOC
out=$("$CERTBINDD" -t -c "$T/site.conf" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "{{site}}: exit $rc: $out"
echo "$out" | grep -qF "site www: certificate $T/certs/www/cert.pem, key $T/certs/www/key.pem" ||
	fail "{{site}}: expanded paths not printed: $out"
# A site named ".." would step out of its {{site}} directory.
sed 's|name = "www"|name = ".."|' "$T/site.conf" > "$T/dotdot.conf"
out=$("$CERTBINDD" -t -c "$T/dotdot.conf" 2>&1); rc=$?
[ $rc -eq 78 ] || fail "site named ..: exit $rc, want 78"
echo "$out" | grep -qF "$T/dotdot.conf:2: site name \"..\" must be" || fail "site named ..: $out"

printf 'sites = ( { name = "www" ) );\n' > "$T/syntax.conf"
out=$(ctl check -c "$T/syntax.conf" 2>&1); rc=$?
[ $rc -eq 78 ] || fail "syntax error: exit $rc, want 78"
echo "$out" | grep -qE "$T/syntax.conf:1: syntax error" || fail "syntax error message: $out"

# Key of another certificate: a problem of that site only: named, skipped, exit 0.
sed "s|$T/www.key|$T/other.key|" "$T/good.conf" > "$T/mismatch.conf"
out=$("$CERTBINDD" -t -c "$T/mismatch.conf" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "key mismatch: exit $rc, want 0 (the site is skipped, the others run)"
echo "$out" | grep -q "^warning: site www: key $T/other.key does not match certificate.*(this site is skipped; the others run)" ||
	fail "key mismatch message: $out"
# A HAProxy key that is not beside its certificate: that site's problem too, not the policy's.
cat > "$T/hakey.conf" <<EOC
global = { state_file = "$T/state"; control_socket = "$T/ctl.sock"; };
servers = ( { name = "lb"; type = "haproxy"; check = [ "/bin/true" ]; reload = [ "/bin/true" ]; start = [ "/bin/true" ]; } );
sites = ( { name = "www"; address = "192.0.2.200"; port = 443; server = "lb";
            certificate = "$T/www.pem"; key = "$T/www.key"; backend = "be";
            targets = ( { type = "haproxy"; output = "$T/www.cfg"; } ); },
          { name = "other"; address = "192.0.2.201"; port = 443;
            certificate = "$T/other.pem"; key = "$T/other.key"; } );
EOC
out=$("$CERTBINDD" -t -c "$T/hakey.conf" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "haproxy key: exit $rc, want 0: $out"
echo "$out" | grep -q "^warning: site www: HAProxy loads a certificate's key from the same file or from \"$T/www.pem.key\" beside it.*(this site is skipped; the others run)" ||
	fail "haproxy key message: $out"
out=$("$CERTBINDD" -t -c "$T/missing.conf" 2>&1); rc=$?
[ $rc -eq 78 ] || fail "missing policy file: exit $rc"
echo "$out" | grep -q "cannot read" || fail "missing file message: $out"
"$CERTBINDD" --bogus >/dev/null 2>&1; [ $? -eq 64 ] || fail "bad option: want exit 64"
"$CERTBINDCTL" -s "$T/nonexistent.sock" status >/dev/null 2>&1
[ $? -eq 69 ] || fail "certbindctl without a daemon: want exit 69"
pass
