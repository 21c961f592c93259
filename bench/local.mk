# SPDX-License-Identifier: BSD-3-Clause
## bench/: the performance benchmark of issue #6 (see bench/README.md). Not part of `make check`:
##   make bench         full run (about 3 minutes), Markdown table on stdout
##   make bench-quick   short run for CI (< 1 minute): exits non-zero if a request/connection
##                      count is wrong or a run fails; timings are reported, never asserted
## Extra options through BENCH_ARGS, e.g. make bench BENCH_ARGS='--out bench.md --json bench.json'
BENCH_PY = /usr/bin/python3
BENCH_ARGS =

EXTRA_DIST += bench/run.py bench/README.md \
	bench/pam_tmdb_bench/__init__.py bench/pam_tmdb_bench/common.py \
	bench/pam_tmdb_bench/rig.py bench/pam_tmdb_bench/measure.py \
	bench/pam_tmdb_bench/callgrind.py bench/pam_tmdb_bench/floor.py \
	bench/pam_tmdb_bench/rows.py bench/pam_tmdb_bench/runner.py \
	bench/pam_tmdb_bench/report.py bench/pam_tmdb_bench/browser.py \
	bench/pam_tmdb_bench/user_run.py

.PHONY: bench bench-quick
bench: all
	$(BENCH_PY) $(srcdir)/bench/run.py --builddir $(abs_top_builddir) $(BENCH_ARGS)
bench-quick: all
	$(BENCH_PY) $(srcdir)/bench/run.py --builddir $(abs_top_builddir) --quick $(BENCH_ARGS)
