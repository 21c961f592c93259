#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Quick-start demo: installs what is missing, builds, and signs in with tmdb-login (the installed
# program) through pam_tmdb.so against the bundled TMDb stand-in (scripts/demo.py).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
[ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh >/dev/null
mkdir -p _build/normal
(cd _build/normal && [ -f Makefile ] || "$top/configure" >/dev/null)
make -C _build/normal -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
exec /usr/bin/python3 scripts/demo.py --builddir "$top/_build/normal"
