/* SPDX-License-Identifier: BSD-3-Clause */
/* state_v4.c: the v4 side of the stand-in's world. v4 request tokens live in
 * the same table as v3 ones (so approve, deny and expire work on both, from
 * the browser pages and the control API) but only /4/ endpoints take them;
 * the user access tokens they turn into have their own table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwt.h"
#include "state.h"
#include "state_internal.h"
#include "util.h"

/* Callers hold st->mu. */
static struct access *find_access(struct state *st, const char *key)
{
	struct access *x;

	if (key == NULL || strlen(key) > ACCESS_KEY_MAX)
		return NULL;
	for (x = st->accesses[state_bucket(key)]; x != NULL; x = x->next)
		if (strcmp(x->key, key) == 0)
			return x;
	return NULL;
}

/* A fresh JWT-shaped key into key (cap bytes); -1 when it cannot be made or does not fit. */
static int make_key(char *key, size_t cap, const char *payload)
{
	struct buf b;
	int rc = -1;

	buf_init(&b);
	if (jwt_make(&b, payload) == 0 && b.len < cap) {
		memcpy(key, b.data, b.len + 1);
		rc = 0;
	}
	buf_free(&b);
	return rc;
}

int state_new_v4_token(struct state *st, const char *redirect_to, struct buf *out)
{
	struct token *t = xcalloc(1, sizeof(*t));
	char payload[256];
	time_t now = time(NULL);
	int rc = -1;

	pthread_mutex_lock(&st->mu);
	snprintf(payload, sizeof(payload),
		 "{\"aud\":\"tmdb-standin\",\"jti\":\"%lu\",\"nbf\":%lld,\"exp\":%lld,"
		 "\"scopes\":[\"pending_request_token\"],\"version\":1}",
		 st->serial + 1, (long long)now, (long long)(now + st->v4_token_ttl));
	do {
		if (make_key(t->key, sizeof(t->key), payload) != 0)
			goto out;
	} while (state_find_token(st, t->key) != NULL);
	t->v4 = true;
	t->redirect_to = redirect_to != NULL ? xstrdup(redirect_to) : NULL;
	state_link_token(st, t, st->v4_token_ttl);
	buf_adds(out, t->key);
	t = NULL;
	rc = 0;
out:
	pthread_mutex_unlock(&st->mu);
	free(t);
	return rc;
}

enum state_rc state_v4_access_token(struct state *st, const char *request_token, struct buf *out,
				    const struct account **a)
{
	struct token *t;
	struct access *x;
	char payload[256];
	enum state_rc rc = ST_NO_TOKEN;
	size_t b;

	pthread_mutex_lock(&st->mu);
	t = state_find_token(st, request_token);
	if (t == NULL || !t->v4 || t->force_expired || time(NULL) >= t->expires || t->status == TOKEN_USED)
		goto out;
	/* TMDb says "not approved" of a denied token too, as v3 does */
	if (t->status != TOKEN_APPROVED) {
		rc = ST_DENIED;
		goto out;
	}
	x = xcalloc(1, sizeof(*x));
	snprintf(payload, sizeof(payload),
		 "{\"aud\":\"tmdb-standin\",\"jti\":\"%lu\",\"nbf\":%lld,"
		 "\"scopes\":[\"api_read\",\"api_write\"],\"sub\":\"%s\",\"version\":1}",
		 st->serial + 1, (long long)time(NULL), t->account->object_id);
	do {
		if (make_key(x->key, sizeof(x->key), payload) != 0) {
			free(x);
			rc = ST_ERROR;
			goto out;
		}
	} while (find_access(st, x->key) != NULL);
	x->serial = ++st->serial;
	x->account = t->account;
	b = state_bucket(x->key);
	x->next = st->accesses[b];
	st->accesses[b] = x;
	if (st->accesses_tail != NULL)
		st->accesses_tail->next_all = x;
	else
		st->accesses_head = x;
	st->accesses_tail = x;
	t->status = TOKEN_USED;
	buf_adds(out, x->key);
	*a = x->account;
	rc = ST_OK;
out:
	pthread_mutex_unlock(&st->mu);
	return rc;
}

enum state_rc state_v4_convert(struct state *st, const char *access_token, char sid[SESSION_HEX + 1])
{
	struct access *x;
	struct session *s;
	enum state_rc rc = ST_NO_TOKEN;

	pthread_mutex_lock(&st->mu);
	x = find_access(st, access_token);
	if (x != NULL && !x->revoked) {
		s = state_add_session(st, x->account, sid);
		if (s == NULL) {
			rc = ST_ERROR;
		} else {
			s->converted = true;
			rc = ST_OK;
		}
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

enum state_rc state_v4_revoke(struct state *st, const char *access_token)
{
	struct access *x;
	enum state_rc rc = ST_NO_TOKEN;

	pthread_mutex_lock(&st->mu);
	x = find_access(st, access_token);
	if (x != NULL && !x->revoked) {
		x->revoked = true;
		rc = ST_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

char *state_token_redirect(struct state *st, const char *token)
{
	const struct token *t;
	char *r = NULL;

	pthread_mutex_lock(&st->mu);
	t = state_find_token(st, token);
	if (t != NULL && t->redirect_to != NULL)
		r = xstrdup(t->redirect_to);
	pthread_mutex_unlock(&st->mu);
	return r;
}

void state_dump_access_tokens(struct state *st, struct buf *out)
{
	const struct access *x;

	buf_adds(out, "[");
	pthread_mutex_lock(&st->mu);
	for (x = st->accesses_head; x != NULL; x = x->next_all) {
		buf_printf(out, "%s{\"access_token\":\"%s\",\"account_id\":\"%s\",\"revoked\":%s,\"username\":",
			   x == st->accesses_head ? "" : ",", x->key, x->account->object_id,
			   x->revoked ? "true" : "false");
		buf_json_cstr(out, x->account->username);
		buf_adds(out, "}");
	}
	pthread_mutex_unlock(&st->mu);
	buf_adds(out, "]");
}
