# SPDX-License-Identifier: BSD-3-Clause
## tests/standin: tmdb-standin, a loopback HTTP/HTTPS stand-in for TMDb's v3 and v4
## authentication APIs (libmicrohttpd), used by tests/e2e and bench/.
if HAVE_MHD
noinst_PROGRAMS += tests/standin/tmdb-standin
tests_standin_tmdb_standin_SOURCES = \
	tests/standin/main.c \
	tests/standin/server.c tests/standin/server.h \
	tests/standin/request.h tests/standin/standin.h \
	tests/standin/reply.c tests/standin/reply.h \
	tests/standin/tmdb_api.c tests/standin/tmdb_api.h \
	tests/standin/tmdb_v4_api.c tests/standin/tmdb_v4_api.h \
	tests/standin/tmdb_status.c tests/standin/tmdb_status.h \
	tests/standin/browser.c tests/standin/browser.h \
	tests/standin/signin.c tests/standin/signin.h \
	tests/standin/html.c tests/standin/html.h \
	tests/standin/urlform.c tests/standin/urlform.h \
	tests/standin/control.c tests/standin/control.h \
	tests/standin/faults.c tests/standin/faults.h \
	tests/standin/variants.c tests/standin/variants.h \
	tests/standin/state.c tests/standin/state.h \
	tests/standin/state_v4.c tests/standin/state_internal.h \
	tests/standin/jwt.c tests/standin/jwt.h \
	tests/standin/stats.c tests/standin/stats.h \
	tests/standin/buf.c tests/standin/buf.h \
	tests/standin/util.c tests/standin/util.h
tests_standin_tmdb_standin_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(YAJL_CFLAGS) -pthread
tests_standin_tmdb_standin_LDADD = $(MHD_LIBS) $(YAJL_LIBS) -lpthread
endif
EXTRA_DIST += tests/standin/README.md
