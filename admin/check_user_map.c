/* SPDX-License-Identifier: BSD-3-Clause */
/* check_user_map.c — the user map (account_match=map): the file under the module's rules
 * (binding.c), then each line through the module's parser (user_map_lookup, one line at a
 * time), duplicates (only the first line of a user counts) and local users that do not exist. */
#include "config.h"
#include "check.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "safe_file.h"
#include "wipe.h"

#define MAP_SYNTAX "lines are \"localuser tmdbusername\" or \"localuser #accountid\""

struct seen {
	char *user;
	unsigned line;
};

static void check_line(struct check *c, const char *path, unsigned lineno, const char *line, size_t n,
		       struct seen **seen, size_t *n_seen)
{
	char *copy = strndup(line, n), *save = NULL, *local, *remote = NULL;
	struct passwd *pw;

	if (copy == NULL)
		return;
	local = strtok_r(copy, " \t\r", &save);
	if (local == NULL || local[0] == '#')
		goto out;
	/* the module's parser, on this line alone: -1 is a line it refuses */
	if (user_map_lookup(line, n, local, &remote) < 0) {
		check_add(c, CHECK_ERROR, "user_map", path, lineno, "user_map", "correct or remove the line (" MAP_SYNTAX ")",
			  "malformed line: logins of the users listed after it are refused");
		goto out;
	}
	free(remote);
	for (size_t i = 0; i < *n_seen; i++) {
		if (strcmp((*seen)[i].user, local) == 0) {
			check_add(c, CHECK_WARNING, "user_map", path, lineno, "user_map", "keep one line per local user",
				  "%s is listed again (first on line %u): only the first line counts", local, (*seen)[i].line);
			goto out;
		}
	}
	errno = 0;
	pw = getpwnam(local);
	if (pw == NULL)
		check_add(c, CHECK_WARNING, "user_map", path, lineno, "user_map", "remove the line, or create the user",
			  "no local user %s", local);
	{
		struct seen *grown = realloc(*seen, (*n_seen + 1) * sizeof(**seen));
		if (grown != NULL) {
			*seen = grown;
			grown[*n_seen].user = strdup(local);
			grown[*n_seen].line = lineno;
			if (grown[*n_seen].user != NULL)
				(*n_seen)++;
		}
	}
out:
	free(copy);
}

void check_user_map(struct check *c)
{
	const char *path = c->o.user_map, *why = NULL;
	char *text = NULL, fix[PATH_MAX + 64];
	size_t len = 0, n_seen = 0;
	struct seen *seen = NULL;
	int rc;

	if (c->o.account_match != MATCH_MAP || path == NULL)
		return;
	rc = safe_read_file(path, USER_MAP_MAX_BYTES, &text, &len, NULL, &why);
	if (rc != 0) {
		check_add(c, CHECK_ERROR, "files", path, 0, "user_map", check_file_fix(rc, why, path, fix, sizeof(fix)),
			  "the user map cannot be used: %s", why);
		return;
	}
	if (memchr(text, '\0', len) != NULL) {
		check_add(c, CHECK_ERROR, "user_map", path, 0, "user_map", "remove the NUL byte (the file must be text)",
			  "the file contains a NUL byte");
	} else {
		const char *line = text, *end = text + len;
		unsigned lineno = 0;
		for (;;) {
			const char *nl = memchr(line, '\n', (size_t)(end - line));
			lineno++;
			check_line(c, path, lineno, line, nl != NULL ? (size_t)(nl - line) : (size_t)(end - line), &seen, &n_seen);
			if (nl == NULL)
				break;
			line = nl + 1;
		}
		if (n_seen == 0)
			check_add(c, CHECK_ERROR, "user_map", path, 0, "user_map", "add a line per user (" MAP_SYNTAX ")",
				  "the map lists no user: with account_match=map nobody can log in");
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i].user);
	free(seen);
	wipe_free(text, len);
}
