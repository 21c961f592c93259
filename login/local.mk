# SPDX-License-Identifier: BSD-3-Clause
## login/: tmdb-login, the installed program that runs the TMDb login through PAM for the user
## and hands the session to a script or a command (man/tmdb-login.1).
bin_PROGRAMS = login/tmdb-login
login_tmdb_login_SOURCES = \
	login/login.h \
	login/tmdb-login.c \
	login/options.c \
	login/exit_status.c \
	login/text.c \
	login/conv.c login/conv.h \
	login/url_line.c login/url_line.h \
	login/browser.c login/browser.h \
	login/approval_page.c login/approval_page.h \
	login/only_stdio.c login/only_stdio.h \
	login/listener.c login/listener.h \
	login/return_request.c login/return_request.h \
	login/output.c login/output.h \
	login/run_command.c login/run_command.h \
	module/clock.c module/clock.h \
	module/enrol_record.h \
	module/return_to.h
login_tmdb_login_CFLAGS = $(AM_CFLAGS) $(HARDEN_CFLAGS) $(PAM_CFLAGS)
login_tmdb_login_LDADD = $(PAM_LIBS) -lpam
