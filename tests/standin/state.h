/* SPDX-License-Identifier: BSD-3-Clause */
/* state.h: the stand-in's TMDb world: accounts (fixed at start-up),
 * request tokens (v3 and v4), v4 access tokens and sessions (mutex-protected,
 * safe from any thread). */
#ifndef STANDIN_STATE_H
#define STANDIN_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

#define TOKEN_HEX 40
#define TOKEN_KEY_MAX 512      /* a v3 token is TOKEN_HEX hex digits, a v4 one a JWT */
#define ACCESS_KEY_MAX 512     /* a v4 access token: a JWT */
#define OBJECT_ID_HEX 24       /* an account's v4 id */
#define V4_TOKEN_TTL 900       /* an unused v4 request token lives 15 minutes */
#define SESSION_HEX 40
#define GUEST_HEX 32
#define STATE_BUCKETS 1024

struct account {
	long id;
	char *username;
	char *password;   /* NULL: validate_with_login always fails */
	char *name;
	char gravatar[33];
	char object_id[OBJECT_ID_HEX + 1];  /* v4's account_id, derived from the name */
};

enum token_status { TOKEN_NEW, TOKEN_APPROVED, TOKEN_DENIED, TOKEN_USED };

struct token {
	char key[TOKEN_KEY_MAX + 1];
	bool v4;                         /* made by /4/auth/request_token */
	char *redirect_to;               /* v4: from the request body, or NULL */
	unsigned long serial;
	time_t expires;
	bool force_expired;
	enum token_status status;
	const struct account *account;   /* set once approved */
	struct token *next;              /* bucket chain */
	struct token *next_all;          /* creation order */
};

struct session {
	char key[SESSION_HEX + 1];
	unsigned long serial;
	bool revoked;
	bool converted;                  /* made by session/convert/4 from an access token */
	const struct account *account;
	struct session *next;
	struct session *next_all;
};

/* A v4 user access token (POST /4/auth/access_token), until DELETE /4/auth/access_token. */
struct access {
	char key[ACCESS_KEY_MAX + 1];
	unsigned long serial;
	bool revoked;
	const struct account *account;
	struct access *next;
	struct access *next_all;
};

struct state {
	pthread_mutex_t mu;
	struct account *accounts;        /* immutable after state_init */
	size_t naccounts;
	long token_ttl;                  /* seconds; runtime-settable */
	long v4_token_ttl;               /* seconds; runtime-settable */
	const struct account *auto_approve;
	long default_ttl;
	long default_v4_ttl;
	const struct account *default_auto;
	unsigned long serial;
	struct token *tokens[STATE_BUCKETS];
	struct token *tokens_head, *tokens_tail;
	struct session *sessions[STATE_BUCKETS];
	struct session *sessions_head, *sessions_tail;
	struct access *accesses[STATE_BUCKETS];
	struct access *accesses_head, *accesses_tail;
};

/* Parses "ID:USERNAME[:PASSWORD[:NAME]]" into a. Returns 0 or -1. */
int account_parse(struct account *a, const char *spec);
void account_free(struct account *a);

/* Takes ownership of the accounts array. auto_user may be NULL.
 * Returns 0, or -1 if auto_user names no account. */
int state_init(struct state *st, struct account *accounts, size_t n,
	       long token_ttl, long v4_token_ttl, const char *auto_user);
void state_destroy(struct state *st);

const struct account *state_find_account(const struct state *st, const char *username);

/* New request token: writes its key and expiry. Returns 0 or -1. */
int state_new_token(struct state *st, char key[TOKEN_HEX + 1], time_t *expires);

enum state_rc { ST_OK = 0, ST_NO_TOKEN = -1, ST_NO_USER = -2, ST_BAD_LOGIN = -3,
		ST_DENIED = -4, ST_NO_SESSION = -5, ST_ERROR = -6 };

/* True if token exists, is unexpired and neither used nor denied. */
bool state_token_pending(struct state *st, const char *token);
/* 3 or 4 for a known request token (whatever its status), 0 for an unknown one. */
int state_token_version(struct state *st, const char *token);
/* Approves a live (unexpired, unused) token for username. */
enum state_rc state_approve(struct state *st, const char *token, const char *username);
/* Denies a live token. */
enum state_rc state_deny(struct state *st, const char *token);
/* Marks a token expired at once. */
enum state_rc state_expire(struct state *st, const char *token);
/* validate_with_login: checks the login first (ST_BAD_LOGIN), then the token. */
enum state_rc state_login(struct state *st, const char *token, const char *username,
			  const char *password, time_t *expires);
/* session/new: consumes an approved live v3 token. ST_DENIED otherwise. */
enum state_rc state_new_session(struct state *st, const char *token,
				char sid[SESSION_HEX + 1]);
/* Creates a session directly for a user (control API). */
enum state_rc state_session_for(struct state *st, const char *username,
				char sid[SESSION_HEX + 1]);
/* The account behind a live session, or NULL. */
const struct account *state_session_account(struct state *st, const char *sid);
/* Revokes one live session (ST_NO_SESSION if unknown or revoked already). */
enum state_rc state_revoke(struct state *st, const char *sid);
/* Revokes every live session; returns how many. */
size_t state_revoke_all(struct state *st);

/* v4: a new request token (a JWT) whose life is v4_token_ttl; redirect_to may be NULL.
 * Returns 0 (out filled) or -1. */
int state_new_v4_token(struct state *st, const char *redirect_to, struct buf *out);
/* v4 /4/auth/access_token: consumes an approved live v4 token and makes an access token
 * (out, *a). ST_DENIED: the token is live but not approved (new or denied); ST_NO_TOKEN:
 * unknown, expired, used, or a v3 token. */
enum state_rc state_v4_access_token(struct state *st, const char *request_token, struct buf *out,
				    const struct account **a);
/* session/convert/4: a new session for a live access token; ST_NO_TOKEN otherwise. */
enum state_rc state_v4_convert(struct state *st, const char *access_token, char sid[SESSION_HEX + 1]);
/* Revokes a live access token (ST_NO_TOKEN if unknown or revoked already). */
enum state_rc state_v4_revoke(struct state *st, const char *access_token);
/* The redirect_to of a v4 token (a copy to free), or NULL. */
char *state_token_redirect(struct state *st, const char *token);

/* Runtime settings (control API). ttl/v4_ttl < 0 or auto_user NULL: unchanged;
 * auto_user "" turns auto-approval off. */
enum state_rc state_configure(struct state *st, long ttl, long v4_ttl, const char *auto_user);
/* Back to the command-line settings. */
void state_restore_config(struct state *st);

/* JSON arrays for the control API. */
void state_dump_tokens(struct state *st, struct buf *out);
void state_dump_sessions(struct state *st, struct buf *out);
void state_dump_access_tokens(struct state *st, struct buf *out);
/* {"USERNAME":N,...}: every account and its live (created, not revoked)
 * sessions, converted ones included, counted from the session list itself so
 * it is exact. */
void state_dump_live(struct state *st, struct buf *out);

#endif
