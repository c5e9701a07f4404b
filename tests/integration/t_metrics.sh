#!/bin/bash
# SPDX-License-Identifier: MIT
# The metrics file reflects a rebind and is strict Prometheus text format (promtool check
# metrics, and a strict parser): site info with the fingerprint, proof timestamps, counters,
# certificate expiry and coverage, build info, the file's own timestamp.
. "$(dirname "$0")/lib.sh"
GLOBAL_EXTRA="metrics_file = \"$T/certbind.prom\";" www_site rebind
start_certbindd
wait_for 10 test -s "$T/certbind.prom" || fail "no metrics file"
grep -q '^certbind_site_bound{site="www"} 1$' "$T/certbind.prom" || fail "site_bound"
ip addr del 192.0.2.200/24 dev cb0
ip addr add 192.0.2.201/24 dev cb0
wait_for 15 log_has 'event=rebind site=www' || fail "no rebind"
wait_for 5 grep -q '^certbind_rebinds_total{site="www",result="ok"} 1$' "$T/certbind.prom" ||
	fail "rebind not counted: $(cat "$T/certbind.prom")"
grep -q '^certbind_rebinds_total{site="www",result="failed"} 0$' "$T/certbind.prom" || fail "failed counter"
grep -q '^certbind_site_bound{site="www"} 1$' "$T/certbind.prom" || fail "site_bound after rebind"
exp=$(openssl x509 -in "$T/www.pem" -noout -enddate | sed 's/notAfter=//')
grep -q "^certbind_cert_expiry_timestamp_seconds{site=\"www\"} $(date -d "$exp" +%s)$" "$T/certbind.prom" ||
	fail "expiry timestamp"
grep -Eq '^certbind_address_events_total [1-9][0-9]*$' "$T/certbind.prom" || fail "address events"
grep -q '^certbind_netlink_resyncs_total 0$' "$T/certbind.prom" || fail "resyncs"
fp=$(file_fp "$T/www.pem")
grep -Eq "^certbind_site_info\{site=\"www\",endpoint=\"192\.0\.2\.201:443\",state=\"bound\",server=\"/usr/sbin/nginx -e [^\"]* -s reload\",driver=\"nginx\",fingerprint=\"SHA256:$fp\"\} 1$" "$T/certbind.prom" ||
	fail "site_info: $(grep site_info "$T/certbind.prom")"
proof=$(sed -n 's/^certbind_site_last_proof_timestamp_seconds{site="www"} //p' "$T/certbind.prom")
[ -n "$proof" ] && [ $(( $(date +%s) - proof )) -lt 60 ] || fail "last proof timestamp: '$proof'"
grep -q '^certbind_rollbacks_total{site="www"} 0$' "$T/certbind.prom" || fail "rollbacks counter"
grep -q '^certbind_cert_covers_address{site="www"} 1$' "$T/certbind.prom" || fail "covers address"
grep -q '^certbind_expiry_warn_seconds 1814400$' "$T/certbind.prom" || fail "expiry warn seconds"
grep -Eq '^certbind_reload_duration_seconds\{server="/usr/sbin/nginx [^"]*"\} [0-9]+\.[0-9]{3}$' "$T/certbind.prom" ||
	fail "reload duration: $(grep reload_duration "$T/certbind.prom")"
grep -Eq '^certbind_build_info\{version="[0-9.]+"\} 1$' "$T/certbind.prom" || fail "build info"
grep -Eq '^certbind_metrics_timestamp_seconds [0-9]{10}$' "$T/certbind.prom" || fail "file timestamp"
if command -v promtool >/dev/null; then
	promtool check metrics < "$T/certbind.prom" > "$T/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$T/promtool.out")"
fi
python3 - "$T/certbind.prom" <<'EOPY' || fail "not valid Prometheus text format"
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
sample = re.compile(r'^(' + name + r')(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*)?\})? (-?[0-9.eE+]+|NaN|[+-]Inf)$')
types, seen = {}, set()
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        continue
    m = re.match(r'^# TYPE (' + name + r') (counter|gauge|histogram|summary|untyped)$', line)
    if m:
        assert m.group(1) not in types, f"line {n}: TYPE twice"
        types[m.group(1)] = m.group(2)
        continue
    m = sample.match(line)
    assert m, f"line {n}: not a sample: {line!r}"
    assert m.group(1) in types, f"line {n}: sample before its TYPE"
    assert line not in seen, f"line {n}: duplicate"
    seen.add(line)
    if types[m.group(1)] == "counter":
        assert m.group(1).endswith("_total") and float(m.group(7)) >= 0
print("  metrics: %d samples, %d families" % (len(seen), len(types)))
EOPY
pass
