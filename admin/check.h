/* SPDX-License-Identifier: BSD-3-Clause */
/* check.h — `tmdbctl check` (man/tmdbctl.8 CHECK): every problem of a configuration, each with
 * its file, line, key and a fix, in text or JSON. One file per part of the check; they share
 * the context below and add problems to its report. */
#ifndef TMDBCTL_CHECK_H
#define TMDBCTL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "options.h"

/* error: a login cannot work (exit 1); warning: a login works, something else does not (the
 * journal, the cache, a user of the map, a screen locker); note: worth knowing */
enum check_severity { CHECK_ERROR, CHECK_WARNING, CHECK_NOTE };

struct check_problem {
	enum check_severity severity;
	const char *check; /* which part found it: config, files, user_map, tls, api, services */
	char *file;        /* may be NULL */
	unsigned line;     /* 0: not about a line */
	char *key;         /* the option concerned; may be NULL */
	char *message;
	char *fix;
};

/* A PAM service line that runs pam_tmdb.so (directly or through an include). */
struct check_service {
	char *name;      /* the service (file name in the pam dir) */
	char *file;      /* the file that holds the line (an included one, maybe) */
	unsigned line;
	char *type;      /* auth, account, session, password */
	char *arguments; /* the module arguments, secrets' values hidden */
	bool user_run;   /* a host run by the user (screen locker): needs the helper */
};

struct check_report {
	struct check_problem *problems;
	size_t n, cap;
	struct check_service *services;
	size_t n_services, cap_services;
};

struct check {
	const char *conf;      /* the config file the module reads for this service */
	bool conf_must_exist;  /* conf= or --conf: a missing file is an error */
	const char *pam_dir;
	const char *service;   /* --service, or NULL */
	const char *helper;    /* --helper, else the helper key's value, else the default */
	bool helper_given;     /* --helper */
	char *helper_conf;     /* the value of a helper key the module accepted (the helper's
	                        * branch adds it; read as text, so no field is named here) */
	int argc;              /* the service's module arguments (NULL/0 without --service) */
	char **argv;
	char *args_file;       /* where they were read: file and line */
	unsigned args_line;
	struct tmdb_options o; /* every value that was valid, over the defaults */
	bool have_credential;  /* a key or token to try on TMDb */
	struct check_report r;
};

void check_add(struct check *c, enum check_severity severity, const char *check, const char *file, unsigned line,
	       const char *key, const char *fix, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
int check_add_service(struct check *c, const char *name, const char *file, unsigned line, const char *type,
		      const char *arguments, bool user_run);
size_t check_count(const struct check *c, enum check_severity severity);
void check_print_text(const struct check *c, FILE *f);
void check_print_json(const struct check *c, FILE *f);
void check_report_free(struct check_report *r);

/* The fix for a file that safe_read_file refused (rc, why), in buf. */
const char *check_file_fix(int rc, const char *why, const char *path, char *buf, size_t len);

/* Module log lines (pam_syslog) that a step writes, captured from standard error, so that a
 * problem can quote the module's own words. check_capture_end returns them (malloc'd,
 * never NULL on success; lines joined by "; "). */
struct check_capture {
	int saved_fd;
	FILE *tmp;
};
int check_capture_begin(struct check_capture *cap);
char *check_capture_end(struct check_capture *cap);

/* The parts, in the order they run. */
int check_services(struct check *c);   /* fills c->argc/argv for --service */
void check_config(struct check *c);    /* fills c->o */
void check_files(struct check *c);
void check_user_map(struct check *c);
void check_network(struct check *c);

/* Is this service one that users run themselves (a screen locker)? */
bool check_is_user_run(const char *service);

#endif
