/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "tmdb_ids.h"

#include <string.h>

#define MAX_SESSION_ID 128
#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static bool only_of(const char *s, size_t max, bool dot)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr(TOKEN_CHARS, s[i]) == NULL && !(dot && s[i] == '.'))
			return false;
	return true;
}

/* Session ids go into a query string, the PAM environment and a file: keep them plain. */
bool tmdb_is_session_id(const char *s)
{
	return only_of(s, MAX_SESSION_ID, false);
}

bool tmdb_v4_is_token(const char *s)
{
	return only_of(s, TMDB_V4_TOKEN_MAX, true);
}

bool tmdb_v4_is_object_id(const char *s)
{
	return only_of(s, TMDB_V4_OBJECT_ID_MAX, false);
}
