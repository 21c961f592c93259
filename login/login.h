/* SPDX-License-Identifier: BSD-3-Clause */
/* login.h — tmdb-login: runs a PAM service that holds pam_tmdb for one user, carries the
 * conversation on the terminal (and the browser coming back to a loopback listener), and
 * hands the session over (printed, or in the environment of a command). See tmdb-login(1). */
#ifndef TMDB_LOGIN_H
#define TMDB_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_appl.h>

/* Exit statuses (the table in tmdb-login(1)); with --exec a successful login exits with the
 * command's status instead. */
enum login_exit {
	EXIT_LOGIN_OK = 0,
	EXIT_REFUSED = 1,       /* not approved, denied, wrong account, unknown user */
	EXIT_USAGE = 2,         /* bad command line */
	EXIT_UNREACHABLE = 3,   /* PAM_AUTHINFO_UNAVAIL: TMDb could not be reached or answered badly */
	EXIT_CONFIG = 4,        /* service or configuration error, or a system error */
	EXIT_NO_ANSWER = 5,     /* the conversation ended without an answer (EOF, no terminal) */
	EXIT_OUTPUT = 6,        /* the session could not be printed safely */
	EXIT_CMD_NOEXEC = 126,  /* --exec: the command was found but could not be run */
	EXIT_CMD_NOTFOUND = 127 /* --exec: the command was not found */
};

enum login_format { FORMAT_NONE, FORMAT_SHELL, FORMAT_JSON, FORMAT_ENV };

struct login_opts {
	const char *service;
	const char *user;          /* NULL: the invoking user's name */
	const char *enrol_action;  /* --enroll, --unenroll, --enrolled: the action (enrol_record.h), or NULL */
	const char *confdir;       /* NULL: the system's /etc/pam.d */
	enum login_format format;
	char **exec_argv;          /* --exec CMD ARGS…, or NULL */
	bool keep;
	bool no_browser;
	bool ipv6;                 /* listen on [::1] instead of 127.0.0.1 */
	bool no_listen;            /* no return address at all */
	bool quiet;
	unsigned poll_interval_s;  /* the wait's own timer at the return prompt */
	unsigned timeout_s;        /* the listener never stays open longer */
};

/* options.c: returns -1 after --help/--version (exit 0), EXIT_USAGE on an error, else 0 */
int login_parse_options(int argc, char **argv, struct login_opts *o);

/* exit_status.c */
int login_exit_for_pam(int pam_rc);

/* text.c: messages for the user go to stderr, with control characters made visible */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void say_text(const char *text);
/* true when what say() writes (the approval URL among it) can be read by no other user */
bool say_is_private(void);

/* The session variables the module puts into the PAM environment, in output order. */
extern const char *const login_session_vars[];

#endif
