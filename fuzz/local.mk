# SPDX-License-Identifier: BSD-3-Clause
## fuzz/: libFuzzer targets for every parser of untrusted bytes (see fuzz/README.md).
## The autotools build uses $(CC); the fuzzers need clang's libFuzzer and sanitizers, so they
## are built by their own rules, straight from the module's sources, only on `make fuzz`.
##   make fuzz          build $(builddir)/fuzz/fuzz_* with $(CLANG)
##   make fuzz-smoke    replay fuzz/regressions, then run each target briefly on its corpus (CI)
##   fuzz/run-long.sh   long runs (10 million executions per target by default)

CLANG = clang
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -std=c11 -Wall -Wextra
FUZZ_SMOKE_SECONDS = 20
FUZZ_SMOKE_RUNS = 5000000
FUZZ_TARGETS = fuzz_options fuzz_json fuzz_v4 fuzz_cache fuzz_journal fuzz_user_map fuzz_text fuzz_approval fuzz_header fuzz_return_request \
	fuzz_helper_proto fuzz_enrol_record

fuzz_cppflags = -I$(top_srcdir)/module -I$(top_builddir) -DSYSCONFDIR='"$(sysconfdir)"' \
	$(CURL_CFLAGS) $(YAJL_CFLAGS) $(QRENCODE_CFLAGS) $(PAM_CFLAGS)
fuzz_libs = $(CURL_LIBS) $(YAJL_LIBS) $(QRENCODE_LIBS) -lpam -pthread
fuzz_target_sources = fuzz/fuzz_options.c fuzz/fuzz_json.c fuzz/fuzz_v4.c fuzz/fuzz_cache.c fuzz/fuzz_journal.c fuzz/fuzz_user_map.c \
	fuzz/fuzz_text.c fuzz/fuzz_approval.c fuzz/fuzz_header.c fuzz/fuzz_return_request.c fuzz/fuzz_helper_proto.c \
	fuzz/fuzz_enrol_record.c
fuzz_programs = fuzz/fuzz_options fuzz/fuzz_json fuzz/fuzz_v4 fuzz/fuzz_cache fuzz/fuzz_journal fuzz/fuzz_user_map \
	fuzz/fuzz_text fuzz/fuzz_approval fuzz/fuzz_header fuzz/fuzz_return_request fuzz/fuzz_helper_proto \
	fuzz/fuzz_enrol_record
# What tmdb-login (login/) parses of untrusted bytes: fuzz_return_request links only this.
fuzz_login_sources = login/return_request.c

EXTRA_DIST += fuzz/README.md fuzz/fuzz_util.h fuzz/stubs.c $(fuzz_target_sources) \
	fuzz/fuzz_json.dict fuzz/fuzz_v4.dict fuzz/fuzz_options.dict fuzz/fuzz_header.dict \
	fuzz/fuzz_return_request.dict \
	fuzz/corpus fuzz/regressions
dist_noinst_SCRIPTS += fuzz/run-long.sh
CLEANFILES += fuzz/.built fuzz/obj/*.o $(fuzz_programs)

# One stamp for the whole set: the module objects are compiled once (instrumented, without
# libFuzzer's main), then each target is linked from them, its own file and fuzz/stubs.c.
# fuzz_header and fuzz_approval include module/http.c itself (its callbacks are static; a
# client cannot be made through libpam outside a module), so they link without http.o.
# The module's C files are taken from module/local.mk's list (pam_tmdb.c is not in it).
# fuzz_return_request links login/return_request.c (as fuzz/obj/login_*.o) and no module object.
fuzz/.built: $(module_libtmdb_la_SOURCES) $(fuzz_login_sources) login/return_request.h \
		$(fuzz_target_sources) fuzz/stubs.c fuzz/fuzz_util.h fuzz/local.mk config.h
	@$(MKDIR_P) fuzz/obj
	@set -e; objs=; \
	for src in $(module_libtmdb_la_SOURCES); do \
	  case $$src in *.c) ;; *) continue ;; esac; \
	  obj=fuzz/obj/`basename $$src .c`.o; \
	  echo "  FUZZCC   $$obj"; \
	  $(CLANG) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link $(fuzz_cppflags) \
	    -c $(top_srcdir)/$$src -o $$obj; \
	  objs="$$objs $$obj"; \
	done; \
	for src in $(fuzz_login_sources); do \
	  obj=fuzz/obj/login_`basename $$src .c`.o; \
	  echo "  FUZZCC   $$obj"; \
	  $(CLANG) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link $(fuzz_cppflags) \
	    -c $(top_srcdir)/$$src -o $$obj; \
	done; \
	echo "  FUZZCC   fuzz/obj/stubs.o"; \
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) $(fuzz_cppflags) -c $(top_srcdir)/fuzz/stubs.c -o fuzz/obj/stubs.o; \
	for t in $(FUZZ_TARGETS); do \
	  these=$$objs; \
	  case $$t in \
	  fuzz_header|fuzz_approval) these=`echo " $$objs " | sed 's| fuzz/obj/http.o | |'` ;; \
	  fuzz_return_request) these=fuzz/obj/login_return_request.o ;; \
	  esac; \
	  echo "  FUZZLD   fuzz/$$t"; \
	  $(CLANG) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -fsanitize=fuzzer $(fuzz_cppflags) \
	    $(top_srcdir)/fuzz/$$t.c $$these fuzz/obj/stubs.o $(fuzz_libs) -o fuzz/$$t; \
	done
	@touch $@

fuzz: fuzz/.built

# Replays every committed reproducer, then fuzzes each target for at most FUZZ_SMOKE_SECONDS
# on a scratch copy of its corpus. Non-zero on any crash, with the crashing input kept under
# fuzz/ (crash-*, leak-*, timeout-*) and the log shown.
fuzz-smoke: fuzz
	@fail=0; \
	for t in $(FUZZ_TARGETS); do \
	  work=`mktemp -d "$${TMPDIR:-/tmp}/$$t.XXXXXX"`; \
	  mkdir "$$work/corpus"; \
	  dict=; test -f $(top_srcdir)/fuzz/$$t.dict && dict=-dict=$(top_srcdir)/fuzz/$$t.dict; \
	  regs=`ls $(top_srcdir)/fuzz/regressions/$$t/* 2>/dev/null | grep -v '\.txt$$' || true`; \
	  if test -n "$$regs" && ! ./fuzz/$$t $$regs >"$$work/regressions.log" 2>&1; then \
	    echo "FAIL: $$t: a committed reproducer crashes again"; tail -n 30 "$$work/regressions.log"; fail=1; \
	  fi; \
	  if ./fuzz/$$t $$dict -max_total_time=$(FUZZ_SMOKE_SECONDS) -runs=$(FUZZ_SMOKE_RUNS) \
	      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$$work/" \
	      "$$work/corpus" $(top_srcdir)/fuzz/corpus/$$t >"$$work/fuzz.log" 2>&1; then \
	    echo "PASS: $$t: `sed -n 's/^stat::number_of_executed_units: *//p' "$$work/fuzz.log"` executions"; \
	  else \
	    echo "FAIL: $$t"; tail -n 40 "$$work/fuzz.log"; \
	    for a in "$$work"/crash-* "$$work"/leak-* "$$work"/timeout-* "$$work"/oom-*; do \
	      if test -f "$$a"; then \
	        b=`basename "$$a"`; k="fuzz/$${b%%-*}-$$t-$${b#*-}"; cp "$$a" "$$k"; echo "  input kept: $$k"; \
	      fi; \
	    done; \
	    fail=1; \
	  fi; \
	  rm -rf "$$work"; \
	done; \
	exit $$fail

.PHONY: fuzz fuzz-smoke
