/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_api.h — TMDb v3 authentication calls (token/new, session/new, account, session
 * delete) and the strict parsers of their answers; maps TMDb's errors to PAM codes (also for
 * the v4 calls of tmdb_v4.h). */
#ifndef PAM_TMDB_TMDB_API_H
#define PAM_TMDB_TMDB_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "http.h"
#include "text.h"
#include "tmdb_ids.h"

#define TMDB_TOKEN_LEN 40

/* TMDb status codes the module acts on */
#define TMDB_ST_AUTH_FAILED 3        /* session invalid or revoked */
#define TMDB_ST_NOT_FOUND 6          /* the resource (a session to delete) is not there */
#define TMDB_ST_INVALID_KEY 7
#define TMDB_ST_SUSPENDED_KEY 10
#define TMDB_ST_SESSION_DENIED 17    /* request token not approved (yet) */
#define TMDB_ST_TOKEN_INVALID 33     /* request token expired or unknown (or, some say, not approved yet) */
#define TMDB_ST_INVALID_TOKEN 35     /* the session or access token is not (or no longer) valid */

struct tmdb_token {
	char request_token[TMDB_TOKEN_LEN + 1];
	time_t expires_at;
	char *callback;  /* the Authentication-Callback header, unvalidated; may be NULL */
};

struct tmdb_account {
	long long id;
	char *username;
};

struct tmdb_error {
	long status_code;                /* 0 when the body said none */
	char message[TEXT_SHOW_MAX + 1]; /* sanitised */
};

/* Parsers over untrusted bytes: 0, or -1 with *why. */
int tmdb_parse_token(const char *body, size_t len, struct tmdb_token *t, const char **why);
int tmdb_parse_session(const char *body, size_t len, char **session_id, const char **why);
int tmdb_parse_account(const char *body, size_t len, struct tmdb_account *a, const char **why);
int tmdb_parse_error(const char *body, size_t len, struct tmdb_error *e);
/* "YYYY-MM-DD HH:MM:SS UTC" -> time_t; -1 when malformed */
time_t tmdb_parse_time(const char *s);


void tmdb_token_clear(struct tmdb_token *t);
void tmdb_account_clear(struct tmdb_account *a);

struct tmdb_client {
	pam_handle_t *pamh;
	const struct tmdb_options *o;
	struct http_client *http;
};

/* Each returns PAM_SUCCESS or: PAM_SERVICE_ERR (key/token rejected: status 7/10),
 * PAM_AUTHINFO_UNAVAIL (network, 5xx, malformed), PAM_BUF_ERR, and: */
int tmdb_new_token(struct tmdb_client *t, struct tmdb_token *out);
/* What session/new says of a request token. */
enum tmdb_approval {
	TMDB_APPROVED,       /* *session_id is set */
	TMDB_NOT_APPROVED,   /* status 17: not approved yet, or denied */
	TMDB_TOKEN_EXPIRED,  /* status 33: expired or unknown */
};
/* PAM_SUCCESS with *state set when TMDb answered about the token; otherwise the codes above. */
int tmdb_new_session(struct tmdb_client *t, const char *request_token, char **session_id, enum tmdb_approval *state);
/* PAM_AUTH_ERR: the session is not (or no longer) valid (status 3). */
int tmdb_get_account(struct tmdb_client *t, const char *session_id, struct tmdb_account *out);
/* PAM_SUCCESS also when TMDb no longer knows the session (404/6, 401/35); PAM_AUTH_ERR for
 * another TMDb error. */
int tmdb_delete_session(struct tmdb_client *t, const char *session_id);

/* Shared by every TMDb call (v3 here, v4 in tmdb_v4.c), so that all answers are judged alike. */
bool tmdb_is_2xx(long status);
/* Reads a non-2xx answer: sets *status_code and maps the key/token errors (7, 10) to
 * PAM_SERVICE_ERR; everything else is PAM_AUTHINFO_UNAVAIL unless the caller knows better
 * from *status_code. The statuses in expected (a 0-terminated list) are outcomes the caller
 * handles and logs in its own words ("not approved yet" comes every poll): they are logged
 * only with debug; any other answer is logged as an error, its message sanitised. */
int tmdb_answer_error(struct tmdb_client *t, const char *what, const struct http_response *r,
		      const long *expected, long *status_code);
/* The same for a call whose only credential is the application's (token/new, session/new,
 * auth/request_token, auth/access_token): there status 3 with the read access token as Bearer
 * is a refused credential too (PAM_SERVICE_ERR), as 7 and 10 are everywhere. */
int tmdb_app_answer_error(struct tmdb_client *t, const char *what, const struct http_response *r,
			  const long *expected, long *status_code);
/* A delete TMDb answered with "not found" (6) or "invalid token" (35): the credential is gone
 * already, which is what the delete was for. PAM_SUCCESS (logged with debug). */
int tmdb_already_gone(struct tmdb_client *t, const char *what);
/* A non-2xx answer to the request that turns an approved request token into a credential
 * (v3 session/new, v4 auth/access_token): a status of not_yet (a 0-terminated list, at most
 * 2) gives PAM_SUCCESS with TMDB_NOT_APPROVED, 33 gives PAM_SUCCESS with TMDB_TOKEN_EXPIRED;
 * anything else is tmdb_answer_error's code. */
int tmdb_token_refusal(struct tmdb_client *t, const char *what, const struct http_response *r,
		       const long *not_yet, enum tmdb_approval *state);
/* Logs a 2xx answer that failed its parser; PAM_AUTHINFO_UNAVAIL. */
int tmdb_malformed(struct tmdb_client *t, const char *what, const char *why);

#endif
