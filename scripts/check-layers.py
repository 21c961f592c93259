#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks that module/'s units (x.c and x.h are the unit x) include one another one way only:
no #include cycle, and, when MODULE_DIR has a layers.txt ("name: unit unit ..." lines, lowest
layer first), no unit includes a unit of a higher layer and every unit has a layer.
Prints TAP: one line per unit, "not ok" with the cycle or the upward include spelled out.
Exit 1 on any failure. Usage: check-layers.py [MODULE_DIR]"""

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


def read_layers(module_dir):
    """{unit: (rank, layer name)} from layers.txt, or None when there is none."""
    path = os.path.join(module_dir, "layers.txt")
    if not os.path.exists(path):
        return None
    layers = {}
    with open(path, encoding="utf-8") as f:
        rank = 0
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, _, members = line.partition(":")
            for unit in members.split():
                layers[unit] = (rank, name.strip())
            rank += 1
    return layers


def layer_problem(units, layers, unit):
    """Why unit breaks the layering, or None."""
    if unit not in layers:
        return "%s has no layer in layers.txt" % unit
    rank, name = layers[unit]
    for dep in sorted(units[unit]):
        if dep not in layers:
            continue  # reported on its own line
        if layers[dep][0] > rank:
            return "%s (%s) includes %s of the higher layer %s" % (unit, name, dep, layers[dep][1])
    return None


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
    layers = read_layers(module_dir)
    print("1..%d" % len(units))
    bad = 0
    for n, unit in enumerate(sorted(units), 1):
        cycle = find_cycle(units, unit)
        problem = layer_problem(units, layers, unit) if layers is not None else None
        if cycle:
            bad += 1
            print("not ok %d - %s is on an include cycle: %s" % (n, unit, " -> ".join(cycle)))
        elif problem:
            bad += 1
            print("not ok %d - %s" % (n, problem))
        else:
            print("ok %d - %s: no include cycle%s" % (n, unit, ", no upward include" if layers is not None else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
