#!/bin/sh
# Runs the end-to-end suite against this build (make check sets TMDB_BUILDDIR and friends).
# TMDB_HOST_WRAPPER (e.g. a valgrind command) prefixes every PAM host process.
set -e
srcdir=${TMDB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC2086
exec python3 -m pytest -p no:cacheprovider -q -ra "$srcdir/tests/e2e" ${PYTEST_ARGS:-}
