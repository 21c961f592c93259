/* SPDX-License-Identifier: BSD-3-Clause */
/* state.c: accounts, request tokens and sessions behind one mutex; the v4
 * parts (v4 request tokens, access tokens) are in state_v4.c. */
#include "config.h"

#include "state.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "state_internal.h"
#include "util.h"

static uint64_t fnv1a(const char *s, uint64_t seed)
{
	uint64_t h = 14695981039346656037ULL ^ seed;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

size_t state_bucket(const char *key)
{
	return (size_t)(fnv1a(key, 0) % STATE_BUCKETS);
}

int account_parse(struct account *a, const char *spec)
{
	char *copy = xstrdup(spec), *user, *pass = NULL, *name = NULL, *p;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	user = strchr(copy, ':');
	if (user == NULL)
		goto out;
	*user++ = '\0';
	p = strchr(user, ':');
	if (p != NULL) {
		*p = '\0';
		pass = p + 1;
		p = strchr(pass, ':');
		if (p != NULL) {
			*p = '\0';
			name = p + 1;
		}
	}
	if (parse_long(copy, 1, LONG_MAX, &a->id) != 0 || *user == '\0')
		goto out;
	a->username = xstrdup(user);
	a->password = (pass != NULL && *pass != '\0') ? xstrdup(pass) : NULL;
	a->name = xstrdup(name != NULL ? name : "");
	snprintf(a->gravatar, sizeof(a->gravatar), "%016llx%016llx",
		 (unsigned long long)fnv1a(user, 1), (unsigned long long)fnv1a(user, 2));
	snprintf(a->object_id, sizeof(a->object_id), "%016llx%08llx",
		 (unsigned long long)fnv1a(user, 3), (unsigned long long)(fnv1a(user, 4) & 0xffffffffULL));
	rc = 0;
out:
	free(copy);
	return rc;
}

void account_free(struct account *a)
{
	free(a->username);
	free(a->password);
	free(a->name);
	memset(a, 0, sizeof(*a));
}

const struct account *state_find_account(const struct state *st, const char *username)
{
	size_t i;

	if (username == NULL)
		return NULL;
	for (i = 0; i < st->naccounts; i++)
		if (strcasecmp(st->accounts[i].username, username) == 0)
			return &st->accounts[i];
	return NULL;
}

int state_init(struct state *st, struct account *accounts, size_t n,
	       long token_ttl, long v4_token_ttl, const char *auto_user)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->mu, NULL);
	st->accounts = accounts;
	st->naccounts = n;
	st->token_ttl = st->default_ttl = token_ttl;
	st->v4_token_ttl = st->default_v4_ttl = v4_token_ttl;
	if (auto_user != NULL) {
		st->auto_approve = st->default_auto = state_find_account(st, auto_user);
		if (st->auto_approve == NULL)
			return -1;
	}
	return 0;
}

void state_destroy(struct state *st)
{
	struct token *t, *tn;
	struct session *s, *sn;
	struct access *x, *xn;
	size_t i;

	for (t = st->tokens_head; t != NULL; t = tn) {
		tn = t->next_all;
		free(t->redirect_to);
		free(t);
	}
	for (x = st->accesses_head; x != NULL; x = xn) {
		xn = x->next_all;
		free(x);
	}
	for (s = st->sessions_head; s != NULL; s = sn) {
		sn = s->next_all;
		free(s);
	}
	for (i = 0; i < st->naccounts; i++)
		account_free(&st->accounts[i]);
	free(st->accounts);
	pthread_mutex_destroy(&st->mu);
	memset(st, 0, sizeof(*st));
}

/* Callers hold st->mu. */
struct token *state_find_token(struct state *st, const char *key)
{
	struct token *t;

	if (key == NULL || strlen(key) > TOKEN_KEY_MAX)
		return NULL;
	for (t = st->tokens[state_bucket(key)]; t != NULL; t = t->next)
		if (strcmp(t->key, key) == 0)
			return t;
	return NULL;
}

bool state_token_live(const struct token *t)
{
	return t != NULL && !t->force_expired && time(NULL) < t->expires &&
	       (t->status == TOKEN_NEW || t->status == TOKEN_APPROVED);
}

static struct session *find_session(struct state *st, const char *key)
{
	struct session *s;

	if (key == NULL || strlen(key) != SESSION_HEX)
		return NULL;
	for (s = st->sessions[state_bucket(key)]; s != NULL; s = s->next)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

struct session *state_add_session(struct state *st, const struct account *a, char sid[SESSION_HEX + 1])
{
	struct session *s;
	size_t b;

	do {
		if (random_hex(sid, SESSION_HEX) != 0)
			return NULL;
	} while (find_session(st, sid) != NULL);
	s = xcalloc(1, sizeof(*s));
	memcpy(s->key, sid, SESSION_HEX + 1);
	s->serial = ++st->serial;
	s->account = a;
	b = state_bucket(sid);
	s->next = st->sessions[b];
	st->sessions[b] = s;
	if (st->sessions_tail != NULL)
		st->sessions_tail->next_all = s;
	else
		st->sessions_head = s;
	st->sessions_tail = s;
	return s;
}

void state_link_token(struct state *st, struct token *t, long ttl)
{
	size_t b = state_bucket(t->key);

	t->serial = ++st->serial;
	t->expires = time(NULL) + ttl;
	if (st->auto_approve != NULL) {
		t->status = TOKEN_APPROVED;
		t->account = st->auto_approve;
	}
	t->next = st->tokens[b];
	st->tokens[b] = t;
	if (st->tokens_tail != NULL)
		st->tokens_tail->next_all = t;
	else
		st->tokens_head = t;
	st->tokens_tail = t;
}

int state_new_token(struct state *st, char key[TOKEN_HEX + 1], time_t *expires)
{
	struct token *t;
	int rc = -1;

	pthread_mutex_lock(&st->mu);
	do {
		if (random_hex(key, TOKEN_HEX) != 0)
			goto out;
	} while (state_find_token(st, key) != NULL);
	t = xcalloc(1, sizeof(*t));
	memcpy(t->key, key, TOKEN_HEX + 1);
	state_link_token(st, t, st->token_ttl);
	*expires = t->expires;
	rc = 0;
out:
	pthread_mutex_unlock(&st->mu);
	return rc;
}

bool state_token_pending(struct state *st, const char *token)
{
	bool live;

	pthread_mutex_lock(&st->mu);
	live = state_token_live(state_find_token(st, token));
	pthread_mutex_unlock(&st->mu);
	return live;
}

int state_token_version(struct state *st, const char *token)
{
	const struct token *t;
	int v;

	pthread_mutex_lock(&st->mu);
	t = state_find_token(st, token);
	v = t == NULL ? 0 : t->v4 ? 4 : 3;
	pthread_mutex_unlock(&st->mu);
	return v;
}

/* Settles a live token under the lock: approved for a, or denied (a NULL); the
 * approval page and the control API's approve and deny both come here. */
static enum state_rc settle_token(struct state *st, const char *token,
				  enum token_status status, const struct account *a)
{
	struct token *t;
	enum state_rc rc = ST_NO_TOKEN;

	pthread_mutex_lock(&st->mu);
	t = state_find_token(st, token);
	if (state_token_live(t)) {
		t->status = status;
		t->account = a;
		rc = ST_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

enum state_rc state_approve(struct state *st, const char *token, const char *username)
{
	const struct account *a = state_find_account(st, username);

	/* a token that is not live is the first answer, before the unknown user */
	if (a == NULL)
		return state_token_pending(st, token) ? ST_NO_USER : ST_NO_TOKEN;
	return settle_token(st, token, TOKEN_APPROVED, a);
}

enum state_rc state_deny(struct state *st, const char *token)
{
	return settle_token(st, token, TOKEN_DENIED, NULL);
}

enum state_rc state_expire(struct state *st, const char *token)
{
	struct token *t;
	enum state_rc rc = ST_NO_TOKEN;

	pthread_mutex_lock(&st->mu);
	t = state_find_token(st, token);
	if (t != NULL) {
		t->force_expired = true;
		rc = ST_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

enum state_rc state_login(struct state *st, const char *token, const char *username,
			  const char *password, time_t *expires)
{
	const struct account *a = state_find_account(st, username);
	struct token *t;
	enum state_rc rc;

	if (a == NULL || a->password == NULL || password == NULL ||
	    strcmp(a->password, password) != 0)
		return ST_BAD_LOGIN;
	pthread_mutex_lock(&st->mu);
	t = state_find_token(st, token);
	if (!state_token_live(t) || t->v4) {
		rc = ST_NO_TOKEN;
	} else {
		t->status = TOKEN_APPROVED;
		t->account = a;
		*expires = t->expires;
		rc = ST_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

enum state_rc state_new_session(struct state *st, const char *token,
				char sid[SESSION_HEX + 1])
{
	struct token *t;
	enum state_rc rc = ST_DENIED;

	pthread_mutex_lock(&st->mu);
	t = state_find_token(st, token);
	if (state_token_live(t) && !t->v4 && t->status == TOKEN_APPROVED) {
		if (state_add_session(st, t->account, sid) == NULL) {
			rc = ST_ERROR;
		} else {
			t->status = TOKEN_USED;
			rc = ST_OK;
		}
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

enum state_rc state_session_for(struct state *st, const char *username,
				char sid[SESSION_HEX + 1])
{
	const struct account *a = state_find_account(st, username);
	enum state_rc rc;

	if (a == NULL)
		return ST_NO_USER;
	pthread_mutex_lock(&st->mu);
	rc = state_add_session(st, a, sid) != NULL ? ST_OK : ST_ERROR;
	pthread_mutex_unlock(&st->mu);
	return rc;
}

const struct account *state_session_account(struct state *st, const char *sid)
{
	const struct account *a = NULL;
	struct session *s;

	pthread_mutex_lock(&st->mu);
	s = find_session(st, sid);
	if (s != NULL && !s->revoked)
		a = s->account;   /* accounts never change: safe after unlock */
	pthread_mutex_unlock(&st->mu);
	return a;
}

enum state_rc state_revoke(struct state *st, const char *sid)
{
	struct session *s;
	enum state_rc rc = ST_NO_SESSION;

	pthread_mutex_lock(&st->mu);
	s = find_session(st, sid);
	if (s != NULL && !s->revoked) {
		s->revoked = true;
		rc = ST_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

size_t state_revoke_all(struct state *st)
{
	struct session *s;
	size_t n = 0;

	pthread_mutex_lock(&st->mu);
	for (s = st->sessions_head; s != NULL; s = s->next_all) {
		if (!s->revoked) {
			s->revoked = true;
			n++;
		}
	}
	pthread_mutex_unlock(&st->mu);
	return n;
}

enum state_rc state_configure(struct state *st, long ttl, long v4_ttl, const char *auto_user)
{
	const struct account *a = NULL;

	if (auto_user != NULL && *auto_user != '\0') {
		a = state_find_account(st, auto_user);
		if (a == NULL)
			return ST_NO_USER;
	}
	pthread_mutex_lock(&st->mu);
	if (ttl >= 0)
		st->token_ttl = ttl;
	if (v4_ttl >= 0)
		st->v4_token_ttl = v4_ttl;
	if (auto_user != NULL)
		st->auto_approve = a;
	pthread_mutex_unlock(&st->mu);
	return ST_OK;
}

void state_restore_config(struct state *st)
{
	pthread_mutex_lock(&st->mu);
	st->token_ttl = st->default_ttl;
	st->v4_token_ttl = st->default_v4_ttl;
	st->auto_approve = st->default_auto;
	pthread_mutex_unlock(&st->mu);
}

static const char *token_status_name(const struct token *t, time_t now)
{
	if (t->status == TOKEN_USED)
		return "used";
	if (t->force_expired || now >= t->expires)
		return "expired";
	switch (t->status) {
	case TOKEN_APPROVED: return "approved";
	case TOKEN_DENIED: return "denied";
	default: return "new";
	}
}

void state_dump_tokens(struct state *st, struct buf *out)
{
	const struct token *t;
	time_t now = time(NULL);
	char when[32];

	buf_adds(out, "[");
	pthread_mutex_lock(&st->mu);
	for (t = st->tokens_head; t != NULL; t = t->next_all) {
		format_tmdb_time(t->expires, when);
		buf_printf(out, "%s{\"request_token\":\"%s\",\"version\":%d,\"status\":\"%s\",\"expires_at\":\"%s\",\"username\":",
			   t == st->tokens_head ? "" : ",", t->key, t->v4 ? 4 : 3, token_status_name(t, now), when);
		buf_json_cstr(out, t->account != NULL ? t->account->username : NULL);
		buf_adds(out, "}");
	}
	pthread_mutex_unlock(&st->mu);
	buf_adds(out, "]");
}

void state_dump_sessions(struct state *st, struct buf *out)
{
	const struct session *s;

	buf_adds(out, "[");
	pthread_mutex_lock(&st->mu);
	for (s = st->sessions_head; s != NULL; s = s->next_all) {
		buf_printf(out, "%s{\"session_id\":\"%s\",\"account_id\":%ld,\"revoked\":%s,\"converted\":%s,\"username\":",
			   s == st->sessions_head ? "" : ",", s->key, s->account->id,
			   s->revoked ? "true" : "false", s->converted ? "true" : "false");
		buf_json_cstr(out, s->account->username);
		buf_adds(out, "}");
	}
	pthread_mutex_unlock(&st->mu);
	buf_adds(out, "]");
}

/* True if an earlier account has the same user name: lookups are
 * case-insensitive and take the first match, so a later twin can never own
 * a session and would only repeat a JSON key. */
static bool shadowed_account(const struct state *st, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcasecmp(st->accounts[j].username, st->accounts[i].username) == 0)
			return true;
	return false;
}

void state_dump_live(struct state *st, struct buf *out)
{
	const struct session *s;
	size_t *live = xcalloc(st->naccounts ? st->naccounts : 1, sizeof(*live));
	size_t i;
	bool first = true;

	pthread_mutex_lock(&st->mu);
	for (s = st->sessions_head; s != NULL; s = s->next_all)
		if (!s->revoked)
			live[s->account - st->accounts]++;
	pthread_mutex_unlock(&st->mu);
	buf_adds(out, "{");
	for (i = 0; i < st->naccounts; i++) {
		if (shadowed_account(st, i))
			continue;
		if (!first)
			buf_adds(out, ",");
		first = false;
		buf_json_cstr(out, st->accounts[i].username);
		buf_printf(out, ":%zu", live[i]);
	}
	buf_adds(out, "}");
	free(live);
}
