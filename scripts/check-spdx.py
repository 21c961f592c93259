#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every source file, script and build file of the project carries an SPDX licence line
within its first lines (LICENSE: BSD-3-Clause). Without arguments it lists the files that lack
one and exits 1 if there are any; --add puts the line in (after a shebang), in the comment
syntax of the file's kind.

The files are the ones git tracks when the tree is a git checkout, else every file below the
tree (a release tarball), less the autotools products and build trees."""
import os
import subprocess
import sys

LINE = "SPDX-License-Identifier: BSD-3-Clause"
C_STYLE = (".c", ".h", ".map")
HASH_STYLE = (".py", ".sh", ".mk", ".am", ".supp")
HASH_NAMES = {"autogen.sh", "run", "rules", "postinst", "postrm", "prerm", "local.mk", "Makefile.am",
              "run-long.sh"}
DNL_STYLE = (".ac",)
SKIP_DIRS = {".git", "build-aux", "m4", "autom4te.cache", "__pycache__", ".pytest_cache", "tests/data",
             "fuzz/corpus", "fuzz/regressions"}
SCRIPT_DIRS = ("scripts/", ".ci/", "debian/")


def style(path, full):
    name = os.path.basename(path)
    if path.endswith(C_STYLE):
        return "c"
    if path.endswith(DNL_STYLE):
        return "dnl"
    if path.endswith(HASH_STYLE) or name in HASH_NAMES:
        return "hash"
    if path.startswith(SCRIPT_DIRS) and "." not in name:
        with open(full, "rb") as f:
            if f.read(2) == b"#!":
                return "hash"
    return None


def listed(top):
    try:
        root = subprocess.run(["git", "-C", top, "rev-parse", "--show-toplevel"], check=True,
                              capture_output=True).stdout.decode().strip()
        if os.path.realpath(root) == os.path.realpath(top):
            out = subprocess.run(["git", "-C", top, "ls-files", "-z"], check=True, capture_output=True).stdout
            return [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        pass
    # not a checkout of its own (a release tarball, a scratch tree): every file below it
    files = []
    for d, dirs, names in os.walk(top):
        rel = os.path.relpath(d, top)
        rel = "" if rel == "." else rel + "/"
        dirs[:] = [x for x in dirs if (rel + x) not in SKIP_DIRS and x not in SKIP_DIRS
                   and not x.startswith("_build")]
        files += [rel + n for n in names]
    return files


def skipped(path):
    return any(path == s or path.startswith(s + "/") for s in SKIP_DIRS)


def has_line(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        head = [next(f, "") for _ in range(5)]
    return any(LINE in h for h in head)


def add(path, kind):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    line = {"c": "/* %s */\n", "hash": "# %s\n", "dnl": "dnl %s\n"}[kind] % LINE
    if text.startswith("#!"):
        first, _, rest = text.partition("\n")
        text = first + "\n" + line + rest
    else:
        text = line + text
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    adding = "--add" in argv
    args = [a for a in argv if a != "--add"]
    top = args[0] if args else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    missing = []
    for rel in sorted(listed(top)):
        if skipped(rel):
            continue
        path = os.path.join(top, rel)
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        kind = style(rel, path)
        if kind is None or has_line(path):
            continue
        if adding:
            add(path, kind)
        else:
            missing.append(rel)
    for rel in missing:
        print("no SPDX-License-Identifier line: %s" % rel)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
