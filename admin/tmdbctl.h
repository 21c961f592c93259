/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdbctl.h — the administrator's command (man/tmdbctl.8): global options, and one function
 * per subcommand. A subcommand is a row in tmdbctl.c's table; each lives in its own file. */
#ifndef TMDBCTL_H
#define TMDBCTL_H

#include <stdbool.h>

#include "journal.h"
#include "options.h"

#define TMDBCTL_EXIT_OK 0
#define TMDBCTL_EXIT_FAILED 1 /* the command ran; something it was asked for was not done */
#define TMDBCTL_EXIT_USAGE 2
#define TMDBCTL_EXIT_CONFIG 3 /* the configuration or the journal could not be used */

struct tmdbctl {
	const char *conf;      /* --conf: the module's config file, else its default */
	const char *state_dir; /* --state-dir: replaces the configured state_dir */
};

/* The configuration exactly as the module reads it (conf= when --conf was given). 0, or
 * TMDBCTL_EXIT_CONFIG (the reason is logged, on stderr too). */
int tmdbctl_load_options(const struct tmdbctl *c, struct tmdb_options *o);

/* The journal named by --state-dir, else by the configuration (o may be NULL when
 * --state-dir is given). 0; 1 when the journal is off (state_dir=none); else
 * TMDBCTL_EXIT_CONFIG. */
int tmdbctl_open_journal(const struct tmdbctl *c, const struct tmdb_options *o, struct journal *j);

int tmdbctl_check(const struct tmdbctl *c, int argc, char **argv);
int tmdbctl_sessions(const struct tmdbctl *c, int argc, char **argv);
int tmdbctl_revoke(const struct tmdbctl *c, int argc, char **argv);

#endif
