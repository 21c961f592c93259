/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_v4.h — TMDb v4 user authentication: a request token (POST /4/auth/request_token), the
 * user's access token once they approved it (POST /4/auth/access_token), its conversion into a
 * v3 session (POST /3/authentication/session/convert/4) and its revocation (DELETE
 * /4/auth/access_token); strict parsers of the answers. Every call is made with the
 * application's API read access token as Bearer (options.c refuses flow=v4 without one). */
#ifndef PAM_TMDB_TMDB_V4_H
#define PAM_TMDB_TMDB_V4_H

#include <stdbool.h>
#include <stddef.h>

#include "tmdb_api.h"
#include "tmdb_ids.h"

/* An unused request token lives 15 minutes; the answer carries no expires_at. */
#define TMDB_V4_TOKEN_LIFE_S (15 * 60)

/* TMDb status codes of the v4 flow the module acts on */
#define TMDB_ST_NO_WRITE 36           /* the token has no write permission (the app's read token) */
#define TMDB_ST_V4_NOT_APPROVED 41    /* request token not approved by the user (yet) */


/* Parsers over untrusted bytes: 0 (the strings are fresh: wipe_free_str), or -1 with *why
 * and nothing allocated. */
int tmdb_v4_parse_request_token(const char *body, size_t len, char **request_token, const char **why);
int tmdb_v4_parse_access_token(const char *body, size_t len, char **access_token, char **account_object_id,
			       const char **why);

/* Each returns PAM_SUCCESS or, as the v3 calls: PAM_SERVICE_ERR (status 7/10),
 * PAM_AUTHINFO_UNAVAIL (network, 5xx, malformed), PAM_BUF_ERR, and: */
/* Step 1; redirect_to (when configured, or the host's return address that replaced it,
 * options.h) goes in the body, TMDb sends the browser there. */
int tmdb_v4_request_token(struct tmdb_client *t, char **request_token);
/* Step 3. PAM_SUCCESS with *state: TMDB_APPROVED (both strings set), TMDB_NOT_APPROVED
 * (422/41, also 401/17), TMDB_TOKEN_EXPIRED (33, which approval_wait takes for "not yet" while
 * the token is within its own life: nobody has recorded which of them TMDb sends). */
int tmdb_v4_access_token(struct tmdb_client *t, const char *request_token, char **access_token,
			 char **account_object_id, enum tmdb_approval *state);
/* Step 4: the user's access token as a v3 session. PAM_AUTH_ERR: TMDb refused to convert
 * that token (17, 35, 36). */
int tmdb_v4_convert(struct tmdb_client *t, const char *access_token, char **session_id);
/* Logout: PAM_SUCCESS also when TMDb no longer knows the token (401/35, 404/6); PAM_AUTH_ERR
 * for another TMDb error (callers log a failed revocation). */
int tmdb_v4_delete_access_token(struct tmdb_client *t, const char *access_token);

#endif
