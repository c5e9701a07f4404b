#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench, phase 7: writes one world of N IP-bound TLS sites on one nginx, in directory S:
nginx.conf and the operator's snippets, certbind.conf (a declared nginx server with its check
and pid_file, every site following the renumbering with host_part = "same"), the `ip -batch`
files for the addresses, the renumbering and its way back, scripts that write the snippets
(the floor's file writes) and the endpoint lists for the handshake floor.
IPv6 (family 6): site i on [2001:db8:1::i]:443, renumbered to 2001:db8:2::/64.
IPv4 (family 4): site i on 192.0.2.h:port, 250 addresses with as many ports as needed,
renumbered to 198.51.100.h."""
import sys

fam, n, S, dev, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
# At most this many sites move (nginx holds the old and the new sockets during its reload:
# the caller derives it from RLIMIT_NOFILE). IPv4 moves whole addresses with all their ports.
limit = int(sys.argv[7]) if len(sys.argv) > 7 else n
ports = 1 if fam == 6 else (n + 249) // 250


def endpoint(i, new):
    if fam == 6:
        return "2001:db8:%d::%x" % (2 if new else 1, i), 443
    h, port = (i - 1) % 250 + 1, 443 + (i - 1) // 250
    return ("198.51.100.%d" if new else "192.0.2.%d") % h, port


def listen(a, p):
    return "[%s]:%d" % (a, p) if ":" in a else "%s:%d" % (a, p)


hosts = range(1, n + 1) if fam == 6 else range(1, min(n, 250) + 1)
moved_hosts = hosts[:limit // ports]
moved = [i for i in range(1, n + 1) if (i if fam == 6 else (i - 1) % 250 + 1) <= len(moved_hosts)]
open(S + "/moved", "w").write("%d\n" % len(moved))
plen, nodad = (64, " nodad") if fam == 6 else (24, "")
old = ["2001:db8:1::%x" % h if fam == 6 else "192.0.2.%d" % h for h in hosts]
new = ["2001:db8:2::%x" % h if fam == 6 else "198.51.100.%d" % h for h in moved_hosts]
add = lambda v: ["addr add %s/%d dev %s%s" % (a, plen, dev, nodad) for a in v]
dele = lambda v: ["addr del %s/%d dev %s" % (a, plen, dev) for a in v]
open(S + "/addrs", "w").write("\n".join(add(old)) + "\n")
open(S + "/forward", "w").write("\n".join(add(new) + dele(old[:len(new)])) + "\n")
open(S + "/back", "w").write("\n".join(add(old[:len(new)]) + dele(new)) + "\n")
for name, isnew in (("old", False), ("new", True)):
    with open("%s/write_%s.sh" % (S, name), "w") as f:
        for i in (moved if isnew else range(1, n + 1)):
            a, p = endpoint(i, isnew)
            body = "listen %s ssl;\\n" % listen(a, p)
            if isnew:
                body += "ssl_certificate %s;\\nssl_certificate_key %s;\\n" % (cert, key)
            f.write("printf '%s' > %s/nginx/s%d.conf\n" % (body, S, i))
        f.write("sync -f %s/nginx\n" % S)
    with open("%s/endpoints_%s" % (S, name), "w") as f:
        for i in (moved if isnew else range(1, n + 1)):
            f.write("%s %d\n" % endpoint(i, isnew))
with open(S + "/nginx.conf", "w") as f:
    f.write("user root; worker_processes 1; daemon on; pid %s/nginx.pid; error_log %s/error.log notice;\n"
            "worker_rlimit_nofile 65536; events { worker_connections 32768; }\n"
            "http { access_log off; ssl_certificate %s; ssl_certificate_key %s;\n" % (S, S, cert, key))
    for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        f.write("  %s_temp_path %s/tmp/%s;\n" % (t, S, t))
    for i in range(1, n + 1):
        f.write("  server { include %s/nginx/s%d.conf; location / { return 200; } }\n" % (S, i))
    f.write("}\n")
follow = 'prefix = "2001:db8:2::/64"' if fam == 6 else 'prefix = "198.51.100.0/24"'
with open(S + "/certbind.conf", "w") as f:
    f.write('global = { state_file = "%s/state"; control_socket = "%s/ctl.sock"; settle_ms = 300; '
            'nonlocal_bind = "enable"; };\n' % (S, S))
    f.write('servers = ( { name = "web"; type = "nginx"; pid_file = "%s/nginx.pid"; error_log = "%s/error.log";\n'
            '  check = [ "/usr/sbin/nginx", "-e", "%s/error.log", "-c", "%s/nginx.conf", "-t", "-q" ]; } );\n'
            % (S, S, S, S))
    f.write("sites = (\n")
    for i in range(1, n + 1):
        a, p = endpoint(i, False)
        f.write('{ name = "s%d"; server = "web"; address = "%s"; port = %d; certificate = "%s"; key = "%s";'
                ' on_change = "rebind"; follow = { interface = "%s"; %s; host_part = "same"; };'
                ' targets = ( { type = "nginx"; output = "%s/nginx/s%d.conf"; } ); }%s\n'
                % (i, a, p, cert, key, dev, follow, S, i, "," if i < n else ""))
    f.write(");\n")
