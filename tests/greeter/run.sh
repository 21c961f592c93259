#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The greeter tests (tests/greeter/test_lightdm.py): pam_tmdb behind LightDM and
# lightdm-gtk-greeter on Xephyr in Xvfb. Needs root. TMDB_BUILDDIR: a build tree with
# module/.libs/pam_tmdb.so and tests/standin/tmdb-standin (scripts/test.sh passes
# _build/normal). Extra arguments go to pytest.
set -e
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
py=python3
for cand in /usr/bin/python3 python3; do
	if "$cand" -c 'import pytest' 2>/dev/null; then py=$cand; break; fi
done
exec "$py" -m pytest -p no:cacheprovider -q -ra "$srcdir/tests/greeter" "$@"
