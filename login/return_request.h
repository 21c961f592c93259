/* SPDX-License-Identifier: BSD-3-Clause */
/* return_request.h — judging the one HTTP request of the browser coming back. */
#ifndef TMDB_LOGIN_RETURN_REQUEST_H
#define TMDB_LOGIN_RETURN_REQUEST_H

#include <stddef.h>

enum return_verdict {
	RETURN_INCOMPLETE,   /* no end of the header yet: read on */
	RETURN_APPROVED,     /* 200: the browser says approved (the module still asks TMDb) */
	RETURN_DENIED,       /* 200: the browser says denied */
	RETURN_BAD,          /* 400: malformed, a token missing or not the one of this login */
	RETURN_NOT_FOUND,    /* 404: not our path */
	RETURN_BAD_METHOD,   /* 405: not GET */
	RETURN_TOO_LARGE     /* 431: the header does not fit */
};

/* Bytes a request may have, request line and headers together. */
#define RETURN_MAX_REQUEST 4096

/* Judges buf[0..len) as a request for path (the secret path of the listener) with the query
 * request_token=TOKEN and approved=true or denied=true. token: the request token of the
 * approval URL, or NULL when it is not known (any well-formed token is then taken). Sets *why
 * to a short reason for the log. */
enum return_verdict return_judge(const char *buf, size_t len, const char *path,
				 const char *token, const char **why);

/* The HTTP status line text of a verdict, e.g. "400 Bad Request". */
const char *return_status(enum return_verdict v);

#endif
