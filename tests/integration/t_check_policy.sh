#!/bin/bash
# SPDX-License-Identifier: MIT
# certbindd -t / certbindctl check: line numbers for policy errors, site names for
# certificate problems, exit 78; a good policy passes with exit 0.
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

# Key of another certificate: named site, exit 78.
sed "s|$T/www.key|$T/other.key|" "$T/good.conf" > "$T/mismatch.conf"
out=$("$CERTBINDD" -t -c "$T/mismatch.conf" 2>&1); rc=$?
[ $rc -eq 78 ] || fail "key mismatch: exit $rc, want 78"
echo "$out" | grep -q "site www: key $T/other.key does not match certificate" ||
	fail "key mismatch message: $out"
out=$("$CERTBINDD" -t -c "$T/missing.conf" 2>&1); rc=$?
[ $rc -eq 78 ] || fail "missing file: exit $rc"
echo "$out" | grep -q "cannot read" || fail "missing file message: $out"
"$CERTBINDD" --bogus >/dev/null 2>&1; [ $? -eq 64 ] || fail "bad option: want exit 64"
"$CERTBINDCTL" -s "$T/nonexistent.sock" status >/dev/null 2>&1
[ $? -eq 69 ] || fail "certbindctl without a daemon: want exit 69"
pass
