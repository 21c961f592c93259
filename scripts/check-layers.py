#!/usr/bin/env python3
"""Checks that module/ has no #include cycle between its units (x.c and x.h are the unit x).
Prints TAP: one line per unit, "not ok" for each unit on a cycle, with the cycle spelled out.
Exit 1 on any cycle. Usage: check-layers.py [MODULE_DIR]"""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def unit_graph(module_dir):
    units = {}
    for name in sorted(os.listdir(module_dir)):
        base, ext = os.path.splitext(name)
        if ext not in (".c", ".h"):
            continue
        with open(os.path.join(module_dir, name), encoding="utf-8", errors="replace") as f:
            text = f.read()
        deps = units.setdefault(base, set())
        for inc in INCLUDE.findall(text):
            dep = os.path.splitext(os.path.basename(inc))[0]
            if dep != base and os.path.exists(os.path.join(module_dir, dep + ".h")):
                deps.add(dep)
    return units


def find_cycle(units, start):
    """A path start -> ... -> start, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for dep in sorted(units.get(node, ())):
            if dep == start:
                return path + [start]
            if dep not in seen:
                seen.add(dep)
                stack.append((dep, path + [dep]))
    return None


def main():
    module_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "module")
    units = unit_graph(module_dir)
    print("1..%d" % len(units))
    bad = 0
    for n, unit in enumerate(sorted(units), 1):
        cycle = find_cycle(units, unit)
        if cycle:
            bad += 1
            print("not ok %d - %s is on an include cycle: %s" % (n, unit, " -> ".join(cycle)))
        else:
            print("ok %d - %s: no include cycle" % (n, unit))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
