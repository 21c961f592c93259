# SPDX-License-Identifier: BSD-3-Clause
## admin/: tmdbctl, the administrator's command (man/tmdbctl.8). It links the module's
## convenience library, so it reads the configuration and the journal, and talks to TMDb,
## with the module's own code.
sbin_PROGRAMS = admin/tmdbctl
admin_tmdbctl_SOURCES = \
	admin/tmdbctl.c admin/tmdbctl.h \
	admin/sessions.c \
	admin/revoke.c \
	admin/check.c admin/check.h admin/check_report.c admin/check_capture.c \
	admin/check_config.c admin/check_files.c admin/check_user_map.c \
	admin/check_network.c admin/check_services.c
admin_tmdbctl_CFLAGS = $(AM_CFLAGS) $(HARDEN_CFLAGS) $(PAM_CFLAGS) $(CURL_CFLAGS)
admin_tmdbctl_LDADD = module/libtmdb.la
# check: the setgid helper's installed path (pam_tmdb(8) "The helper")
admin_tmdbctl_CPPFLAGS = $(AM_CPPFLAGS) -DPAM_TMDB_HELPER_PATH='"$(libexecdir)/pam_tmdb/pam_tmdb_helper"'
