#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs the end-to-end suite against this build (make check sets TMDB_BUILDDIR and friends).
# TMDB_HOST_WRAPPER (e.g. a valgrind command) prefixes every PAM host process.
set -e
srcdir=${TMDB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# Debian's python3 carries python3-pytest; another python3 earlier in PATH may not.
py=python3
for cand in /usr/bin/python3 python3; do
	if "$cand" -c 'import pytest' 2>/dev/null; then py=$cand; break; fi
done
# shellcheck disable=SC2086
exec "$py" -m pytest -p no:cacheprovider -q -ra "$srcdir/tests/e2e" ${PYTEST_ARGS:-}
