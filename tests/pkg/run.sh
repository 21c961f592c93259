#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The package round trip (tests/pkg/test_package.py): builds libpam-tmdb in a scratch copy of the
# tree, runs lintian, and installs, enables, uses, disables and purges it in an isolated root.
# Needs root. TMDB_BUILDDIR: a configured build tree with tests/standin/tmdb-standin and
# tests/host/tmdb-host (scripts/test.sh passes _build/normal). TMDB_PKG_DIR: where to build (a
# directory that already holds libpam-tmdb_*.deb is used as is). Extra arguments go to pytest.
set -e
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
py=python3
for cand in /usr/bin/python3 python3; do
	if "$cand" -c 'import pytest' 2>/dev/null; then py=$cand; break; fi
done
exec "$py" -m pytest -p no:cacheprovider -q -ra "$srcdir/tests/pkg" "$@"
