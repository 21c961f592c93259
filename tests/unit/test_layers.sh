#!/bin/sh
# module/'s units include one another in one direction only: scripts/check-layers.py finds no
# #include cycle there, and does find the one planted in a scratch copy (so it can fail).
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
exit $rc
