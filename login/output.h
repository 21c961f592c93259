/* SPDX-License-Identifier: BSD-3-Clause */
/* output.h — printing the session for a script (--format). */
#ifndef TMDB_LOGIN_OUTPUT_H
#define TMDB_LOGIN_OUTPUT_H

#include <stdio.h>

#include "login.h"

/* The session variables present, as parallel NULL-terminated arrays of names and values. */
struct session_vars {
	const char *name[8];
	const char *value[8];
	int n;
};

/* Prints vars to out in format. Returns 0, or -1 (said on stderr) when a value cannot be
 * printed safely in that format (env: a newline) or the write failed. */
int output_session(FILE *out, enum login_format format, const struct session_vars *vars);

#endif
