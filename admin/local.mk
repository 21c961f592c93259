# SPDX-License-Identifier: BSD-3-Clause
## admin/: tmdbctl, the administrator's command (man/tmdbctl.8). It links the module's
## convenience library, so it reads the configuration and the journal, and talks to TMDb,
## with the module's own code.
sbin_PROGRAMS = admin/tmdbctl
admin_tmdbctl_SOURCES = \
	admin/tmdbctl.c admin/tmdbctl.h \
	admin/sessions.c \
	admin/revoke.c
admin_tmdbctl_CFLAGS = $(AM_CFLAGS) $(HARDEN_CFLAGS) $(PAM_CFLAGS) $(CURL_CFLAGS)
admin_tmdbctl_LDADD = module/libtmdb.la
