#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# module/'s units include one another in one direction only: scripts/check-layers.py finds no
# #include cycle and no include of a higher layer (module/layers.txt) there, and does find the
# cycle, the upward include and the unit without a layer planted in scratch copies (so it can fail).
srcdir=${TMDB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
check="$srcdir/scripts/check-layers.py"
rc=0
python3 "$check" "$srcdir/module" || rc=1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '#include "b.h"\n' >"$scratch/a.h"
printf '#include "a.h"\n' >"$scratch/b.c"
: >"$scratch/b.h"
if python3 "$check" "$scratch" >/dev/null; then
	echo "not ok - a planted cycle a -> b -> a went unnoticed"
	rc=1
else
	echo "ok - a planted cycle a -> b -> a is reported"
fi
# layers: low may not include high; a unit the table does not name is refused too
rm -f "$scratch"/*
printf 'low: low\nhigh: high\n' >"$scratch/layers.txt"
printf '#include "high.h"\n' >"$scratch/low.c"
: >"$scratch/low.h"
: >"$scratch/high.h"
if python3 "$check" "$scratch" | grep -q '^not ok .*low (low) includes high of the higher layer high'; then
	echo "ok - a planted upward include low -> high is reported"
else
	echo "not ok - a planted upward include low -> high went unnoticed"
	rc=1
fi
printf '#include "low.h"\n' >"$scratch/low.c"
printf '#include "low.h"\n' >"$scratch/high.c"
: >"$scratch/stray.h"
if python3 "$check" "$scratch" | grep -q '^not ok .*stray has no layer'; then
	echo "ok - a unit without a layer is reported"
else
	echo "not ok - a unit without a layer went unnoticed"
	rc=1
fi
if python3 "$check" "$scratch" | grep -q '^not ok .*high'; then
	echo "not ok - a downward include high -> low was refused"
	rc=1
else
	echo "ok - a downward include high -> low is allowed"
fi
exit $rc
