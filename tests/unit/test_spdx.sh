#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every source file, script and build file carries its SPDX licence line (LICENSE:
# BSD-3-Clause): scripts/check-spdx.py finds none missing in the tree, and does find a file
# planted without one in a scratch tree (so it can fail), which --add then mends.
srcdir=${TMDB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
check="$srcdir/scripts/check-spdx.py"
rc=0
if out=$(python3 "$check" "$srcdir"); then
	echo "ok - every source file, script and build file has an SPDX-License-Identifier line"
else
	echo "$out" | sed 's/^/# /'
	echo "not ok - files without an SPDX-License-Identifier line"
	rc=1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/module" "$scratch/scripts"
printf 'int x;\n' >"$scratch/module/a.c"
printf '#!/bin/sh\necho hi\n' >"$scratch/scripts/tool"
printf '/* SPDX-License-Identifier: BSD-3-Clause */\nint y;\n' >"$scratch/module/b.c"
out=$(python3 "$check" "$scratch")
if [ $? -ne 0 ] && echo "$out" | grep -q 'module/a.c' && echo "$out" | grep -q 'scripts/tool' &&
	! echo "$out" | grep -q 'module/b.c'; then
	echo "ok - files planted without the line are reported, the one with it is not"
else
	echo "not ok - planted files: $out"
	rc=1
fi
python3 "$check" --add "$scratch" >/dev/null
if python3 "$check" "$scratch" >/dev/null && [ "$(head -1 "$scratch/scripts/tool")" = "#!/bin/sh" ] &&
	[ "$(sed -n 2p "$scratch/scripts/tool")" = "# SPDX-License-Identifier: BSD-3-Clause" ] &&
	[ "$(head -1 "$scratch/module/a.c")" = "/* SPDX-License-Identifier: BSD-3-Clause */" ]; then
	echo "ok - --add puts the line in, after a shebang"
else
	echo "not ok - --add did not mend the planted files"
	rc=1
fi
echo "1..3"
exit $rc
