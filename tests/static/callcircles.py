#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Circles of calls between the C files of the given folders: file A uses a function that
file B defines (not static), and B, directly or through others, uses one that A defines.
Definitions are found by the house style (return type and name at column 0, no ';'); uses
by identifier in the code outside comments and strings. Prints each circle with the names
that tie it, and 'circles: N'; exits 1 when there is any."""
import os
import re
import sys

DEF = re.compile(r"^(?!static\b)(?:[A-Za-z_][\w \t\*]*?[\s\*])([A-Za-z_]\w*)\s*\([^;]*$")
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
NOISE = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)


def sources(dirs):
    for d in dirs:
        for root, _, names in os.walk(d):
            for n in names:
                if n.endswith(".c"):
                    yield os.path.join(root, n)


def main(dirs):
    files = sorted(sources(dirs))
    owner = {}
    for f in files:
        for line in open(f, errors="replace"):
            m = DEF.match(line)
            if m and m.group(1) != "main":
                name = m.group(1)
                owner[name] = None if owner.get(name, f) != f else f
    uses = {f: {} for f in files}
    for f in files:
        code = NOISE.sub(" ", open(f, errors="replace").read())
        for name in set(IDENT.findall(code)):
            g = owner.get(name)
            if g and g != f:
                uses[f].setdefault(g, set()).add(name)
    # Tarjan's strongly connected components, iteratively.
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
    for root in files:
        if root in index:
            continue
        work = [(root, iter(sorted(uses[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(uses[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
    circles = [c for c in comps if len(c) > 1]
    for c in circles:
        print("circle of %d files: %s" % (len(c), " ".join(c)))
        for a in c:
            for b in c:
                if b in uses[a]:
                    print("  %s -> %s: %s" % (a, b, ", ".join(sorted(uses[a][b])[:6])))
    print("circles: %d (%d files, %d functions)" % (len(circles), len(files),
                                                 sum(1 for v in owner.values() if v)))
    return 1 if circles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["."]))
