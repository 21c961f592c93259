# SPDX-License-Identifier: BSD-3-Clause
## tests/host: tmdb-host, the PAM host used by the end-to-end tests, the demo and the benchmark,
## and pam_hostcheck.so, a network-free module with pam_tmdb's conversation shapes that only
## tmdb-host's own tests load (tests/e2e/test_host.py).
noinst_PROGRAMS += tests/host/tmdb-host
tests_host_tmdb_host_SOURCES = \
	tests/host/host.h \
	tests/host/main.c \
	tests/host/options.c \
	tests/host/conv.c \
	tests/host/approve.c \
	tests/host/syslog_capture.c \
	tests/host/jsonout.c \
	tests/host/runner.c \
	tests/host/fork_storm.c \
	tests/host/dl_guard.c \
	login/url_line.c login/url_line.h
## url_line: the rule by which tmdb-login finds the approval URL, so the host finds the same one.
tests_host_tmdb_host_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/login
tests_host_tmdb_host_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) -pthread
## --export-dynamic: the host's syslog()/__syslog_chk() and dlopen()/dlclose() must win over
## libc's for libpam and modules.
tests_host_tmdb_host_LDFLAGS = -pthread -Wl,--export-dynamic
## PAM_LIBS may be empty on systems without pam.pc; -lpam again is harmless otherwise.
## -ldl: dlsym(RTLD_NEXT) in dl_guard.c (part of libc since glibc 2.34).
tests_host_tmdb_host_LDADD = $(PAM_LIBS) -lpam $(CURL_LIBS) -ldl

## -rpath makes libtool build a real shared object (tests/host/.libs/pam_hostcheck.so) although
## it is never installed.
noinst_LTLIBRARIES += tests/host/pam_hostcheck.la
tests_host_pam_hostcheck_la_SOURCES = tests/host/pam_hostcheck.c
tests_host_pam_hostcheck_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
tests_host_pam_hostcheck_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_host_pam_hostcheck_la_LIBADD = $(PAM_LIBS) -lpam

EXTRA_DIST += tests/host/README.md tests/host/valgrind.supp

## tmdb-setuid-host: a PAM host that tests copy, make setuid root and run unprivileged with a
## hostile environment. libpam and libc only: nothing of its own may read SSLKEYLOGFILE,
## CURL_* or proxy variables, so what happens with them is the module's doing.
check_PROGRAMS += tests/host/tmdb-setuid-host
tests_host_tmdb_setuid_host_SOURCES = tests/host/host.h tests/host/setuid_host.c tests/host/jsonout.c
tests_host_tmdb_setuid_host_CFLAGS = $(AM_CFLAGS)
tests_host_tmdb_setuid_host_LDADD = $(PAM_LIBS) -lpam
## The tool's own test travels with it.
