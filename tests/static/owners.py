#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Which files write each field of struct siteinfo, as the compiler sees it: every member is
# made const in a copy of siteinfo.h, monitor/ is compiled against it (syntax only), and each
# diagnostic (an assignment to a read-only member, a pointer to one handed to a function that
# writes through it) names a writer. A write through a function of the site's own modules
# (sitefsm_cur(&si->fsm)) is that module's; moving a whole site (*ns = *old: the table's
# lifecycle in sites.c) is nobody's field in particular.
# usage: owners.py CC_FLAGS... -- [DESIGN.md]   (prints "field: file ..." and, given
# DESIGN.md, checks its "Who writes a site's fields" table: exit 1 on any difference)
import json, os, re, subprocess, sys, tempfile

HEADER = 'monitor/sites/siteinfo.h'


def const_header(src):
    """struct siteinfo with every member const (pointers: the pointer itself)."""
    start = src.index('struct siteinfo {')
    end = src.index('\n};', start)
    lines, fields = [], []
    for line in src[start:end].split('\n'):
        m = re.match(r'^\t([^/\s].*?);(.*)$', line)
        if not m:
            lines.append(line)
            continue
        mm = re.match(r'^((?:const |unsigned |signed |long |struct |enum )*\w+)\s+(.*)$',
                      m.group(1))
        typ, decls = mm.group(1), [d.strip() for d in mm.group(2).split(',')]
        for d in decls:
            fields.append(re.match(r'\**\s*(\w+)', d).group(1))
        if any(d.startswith('*') for d in decls):
            decls = ['*const ' + d.lstrip('*').strip() if d.startswith('*') else d
                     for d in decls]
        elif not typ.startswith('const '):
            typ = 'const ' + typ
        lines.append('\t%s %s;%s' % (typ, ', '.join(decls), m.group(2)))
    return src[:start] + '\n'.join(lines) + src[end:], fields


def writers(flags, fields):
    site_modules = {os.path.basename(f)[:-2] for f in os.listdir('monitor/sites')
                    if f.endswith('.c')}
    found = {f: set() for f in fields}
    unknown = []
    cache = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, 'monitor/sites'))
        text, _ = const_header(open(HEADER).read())
        open(os.path.join(tmp, HEADER), 'w').write(text)
        sources = sorted(os.path.join(d, f) for d in
                         (os.path.join('monitor', x) for x in os.listdir('monitor'))
                         for f in os.listdir(d) if f.endswith('.c'))
        for src in sources:
            r = subprocess.run(['gcc', '-I' + tmp] + flags + ['-fsyntax-only',
                               '-fmax-errors=0', '-fdiagnostics-format=json', src],
                               capture_output=True, text=True,
                               env=dict(os.environ, LC_ALL='C'))
            out = r.stderr.strip()
            for d in (json.loads(out) if out else []):
                caret = d['locations'][0]['caret']
                path = caret['file']
                if path not in cache:
                    cache[path] = open(path).read().split('\n')
                line = cache[path][caret['line'] - 1].encode()
                loc = d['locations'][0]
                # The expression the diagnostic is about: its range (an argument), else what
                # is left of the caret (an assignment's '=', an increment's '++').
                first = loc.get('start', caret)['byte-column'] - 1
                last = loc.get('finish', caret)['byte-column']
                exprs = [line[first:last].decode(), line[:caret['byte-column'] - 1].decode()]
                who = os.path.basename(path)
                msg = d['message']
                if re.search(r"read-only location '\*\w+'", msg):
                    continue        # a whole site moved: the table's lifecycle
                m = re.search(r"read-only member '(\w+)'", msg)
                if m:
                    field = m.group(1)
                else:
                    names = next((n for n in ([x for x in re.findall(r'(?:->|\.)(\w+)', e)
                                               if x in found] for e in exprs) if n), [])
                    if not names or not ('const' in msg or 'read-only' in msg):
                        unknown.append('%s:%d: %s' % (path, caret['line'], msg))
                        continue
                    field = names[-1]
                    c = re.search(r"argument \d+ of '(\w+)'", msg)
                    if c and c.group(1).split('_')[0] in site_modules:
                        who = c.group(1).split('_')[0] + '.c'
                if field in found:
                    found[field].add(who)
    return found, unknown


def table(design):
    """The owners table of doc/DESIGN.md: | `field` | `file.c` | why |."""
    rows, inside = {}, False
    for line in open(design):
        if line.startswith('### '):
            inside = line.startswith("### Who writes a site's fields")
            continue
        m = re.match(r'^\| `([\w, `]+)` \| `(\w+\.c)` \|', line)
        if inside and m:
            for f in re.findall(r'\w+', m.group(1)):
                rows[f] = m.group(2)
    return rows


def main():
    args = sys.argv[1:]
    sep = args.index('--') if '--' in args else len(args)
    flags, rest = args[:sep], args[sep + 1:]
    _, fields = const_header(open(HEADER).read())
    found, unknown = writers(flags, fields)
    bad = 0
    for u in unknown:
        print('  not understood: ' + u)
        bad = 1
    for f in fields:
        print('%s: %s' % (f, ' '.join(sorted(found[f])) or '-'))
    if rest:
        want = table(rest[0])
        for f in fields:
            if f not in want:
                print('  %s: not in the table of %s' % (f, rest[0]))
                bad = 1
            elif found[f] - {want[f]}:
                print('  %s: written from %s, owned by %s' %
                      (f, ' '.join(sorted(found[f] - {want[f]})), want[f]))
                bad = 1
        for f in set(want) - set(fields):
            print('  %s: in the table, not a field of struct siteinfo' % f)
            bad = 1
    return bad


if __name__ == '__main__':
    sys.exit(main())
