#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# fuzz/run-long.sh — long fuzzing runs: each target for RUNS executions (10 million unless
# told), JOBS at a time, each in its own temporary directory (scratch corpus + artifacts), so
# several runs, or a run next to `make fuzz-smoke`, never share files. The committed corpus is
# read, never written. Prints one line per target: executions, seconds, executions per second
# and the result; crashing inputs are kept in BUILDDIR/fuzz/. Exit status 1 when any target
# crashed.
#
#   fuzz/run-long.sh [-n RUNS] [-t MAX_SECONDS] [-j JOBS] [-b BUILDDIR] [TARGET...]
#
# BUILDDIR is where `make fuzz` was run (default: the current directory); TARGETs default to
# every fuzz/fuzz_* program built there.
set -u

runs=10000000
max_time=0
jobs=$(nproc 2>/dev/null || echo 2)
builddir=.
srcdir=$(cd "$(dirname "$0")/.." && pwd)

while getopts n:t:j:b:h opt; do
	case $opt in
	n) runs=$OPTARG ;;
	t) max_time=$OPTARG ;;
	j) jobs=$OPTARG ;;
	b) builddir=$OPTARG ;;
	*) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
builddir=$(cd "$builddir" && pwd) || exit 2

if [ $# -gt 0 ]; then
	targets="$*"
else
	targets=$(cd "$builddir/fuzz" 2>/dev/null && ls fuzz_* 2>/dev/null | grep -v '\.' || true)
fi
if [ -z "$targets" ]; then
	echo "run-long.sh: no fuzz targets in $builddir/fuzz; run 'make fuzz' there first" >&2
	exit 2
fi

top=$(mktemp -d "${TMPDIR:-/tmp}/pam_tmdb-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$top"' EXIT

run_one() {
	local t=$1 work="$top/$1" dict=() start end rc
	mkdir -p "$work/corpus"
	[ -f "$srcdir/fuzz/$t.dict" ] && dict=("-dict=$srcdir/fuzz/$t.dict")
	start=$(date +%s.%N)
	"$builddir/fuzz/$t" "${dict[@]}" -runs="$runs" -max_total_time="$max_time" -timeout=25 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
		"$work/corpus" "$srcdir/fuzz/corpus/$t" >"$work/log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	echo "$rc $start $end" >"$work/status"
}

running=0
for t in $targets; do
	if [ ! -x "$builddir/fuzz/$t" ]; then
		echo "run-long.sh: $builddir/fuzz/$t is not built" >&2
		exit 2
	fi
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

status=0
printf '%-14s %12s %9s %10s  %s\n' target execs seconds execs/s result
for t in $targets; do
	work="$top/$t"
	read -r rc start end <"$work/status"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	rate=$(awk -v n="${execs:-0}" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
	if [ "$rc" -eq 0 ]; then
		result=PASS
	else
		result="CRASH (exit $rc)"
		status=1
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
			[ -f "$a" ] || continue
			b=$(basename "$a")
			keep="$builddir/fuzz/${b%%-*}-$t-${b#*-}"
			cp "$a" "$keep"
			result="$result, input: $keep"
		done
		cp "$work/log" "$builddir/fuzz/$t.long.log"
		result="$result, log: $builddir/fuzz/$t.long.log"
	fi
	printf '%-14s %12s %9s %10s  %s\n' "$t" "${execs:-?}" "$secs" "$rate" "$result"
done
exit $status
