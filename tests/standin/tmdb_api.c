/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_api.c: routing, and the TMDb v3 authentication and account endpoints.
 *
 * Order of checks: unknown path -> 404 status 34; bad or missing API key
 * (v4's /4/ calls: bearer token only) -> 401 status 7; wrong method -> 405
 * status 42 (TMDb's code for it); then the handler. */
#include "config.h"

#include "tmdb_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "tmdb_v4_api.h"
#include "util.h"

#define GUEST_TTL (24 * 3600)

yajl_val api_parse_body(const struct request *rq)
{
	char err[128];
	yajl_val root;

	if (rq->body_too_big || rq->body.len == 0 || rq->body.data == NULL ||
	    memchr(rq->body.data, '\0', rq->body.len) != NULL)
		return NULL;
	root = yajl_tree_parse(rq->body.data, err, sizeof(err));
	if (root != NULL && !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		root = NULL;
	}
	return root;
}

const char *api_body_str(yajl_val root, const char *name)
{
	const char *path[] = { name, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);

	return v != NULL ? YAJL_GET_STRING(v) : NULL;
}

static bool in_list(char *const *list, size_t n, const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* bearer_only: v4's POST and DELETE calls take no api_key parameter. */
static bool authorized(const struct request *rq, bool bearer_only)
{
	const struct standin *si = rq->si;
	const char *auth = req_header(rq, "Authorization");

	if (!bearer_only && in_list(si->api_keys, si->n_api_keys, req_arg(rq, "api_key")))
		return true;
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		auth += 7;
		while (*auth == ' ')
			auth++;
		return in_list(si->access_tokens, si->n_access_tokens, auth);
	}
	return false;
}

void api_delete_unknown(struct request *rq, struct reply *r, int documented)
{
	switch (variants_get(&rq->si->variants, VAR_DELETE_UNKNOWN)) {
	case DELU_404_6:
		reply_tmdb_error(r, 6);
		break;
	case DELU_401_35:
		reply_tmdb_error(r, 35);
		break;
	case DELU_200:
		api_ok(r);
		buf_adds(&r->body, "{\"success\":true}");
		break;
	default:
		reply_tmdb_error(r, documented);
		break;
	}
}

void api_ok(struct reply *r)
{
	r->status = MHD_HTTP_OK;
	r->body.len = 0;
}

bool api_session_reply(struct reply *r, enum state_rc rc, const char *sid)
{
	switch (rc) {
	case ST_OK:
		api_ok(r);
		buf_printf(&r->body, "{\"success\":true,\"session_id\":\"%s\"}", sid);
		return true;
	case ST_ERROR:
		reply_tmdb_error(r, 11);
		return true;
	default:
		return false;
	}
}

static void h_authentication(struct request *rq, struct reply *r)
{
	(void)rq;
	api_ok(r);
	buf_adds(&r->body, "{\"success\":true}");
}

static void h_token_new(struct request *rq, struct reply *r)
{
	struct standin *si = rq->si;
	char token[TOKEN_HEX + 1], when[32];
	struct buf url;
	time_t expires;

	if (state_new_token(&si->state, token, &expires) != 0) {
		reply_tmdb_error(r, 11);
		return;
	}
	format_tmdb_time(expires, when);
	api_ok(r);
	buf_printf(&r->body, "{\"success\":true,\"expires_at\":\"%s\",\"request_token\":\"%s\"}",
		   when, token);
	buf_init(&url);
	buf_printf(&url, "%s/authenticate/%s", si->public_url, token);
	reply_header(r, "authentication-callback", url.data);
	buf_free(&url);
}

/* session/new refused the token: 401/17 as recorded (for a request without a token), or 33
 * under the variants for a token not approved yet (v3_not_approved) or one denied, used,
 * expired or unknown (v3_spent). */
static void session_refusal(struct request *rq, struct reply *r, const char *token)
{
	struct state *st = &rq->si->state;
	bool waiting = token != NULL && state_token_version(st, token) == 3 && state_token_pending(st, token);
	int v = variants_get(&rq->si->variants, waiting ? VAR_V3_NOT_APPROVED : VAR_V3_SPENT);

	reply_tmdb_error(r, v == (waiting ? V3NA_401_33 : V3SP_401_33) ? 33 : 17);
}

static void new_session_reply(struct request *rq, struct reply *r, const char *token)
{
	char sid[SESSION_HEX + 1];

	if (!api_session_reply(r, state_new_session(&rq->si->state, token, sid), sid))
		session_refusal(rq, r, token);
}

static void h_session_new(struct request *rq, struct reply *r)
{
	yajl_val root;
	const char *token;

	if (strcmp(rq->method, "POST") != 0) {
		/* Legacy GET form (as in the captures): token in the query;
		 * without one TMDb answers "Session denied.". */
		new_session_reply(rq, r, req_arg(rq, "request_token"));
		return;
	}
	root = api_parse_body(rq);
	token = root != NULL ? api_body_str(root, "request_token") : NULL;
	if (token == NULL)
		reply_tmdb_error(r, 5);
	else
		new_session_reply(rq, r, token);
	yajl_tree_free(root);
}

static void h_validate_with_login(struct request *rq, struct reply *r)
{
	const char *user, *pass, *token;
	yajl_val root = NULL;
	char when[32];
	time_t expires;

	if (strcmp(rq->method, "POST") == 0) {
		root = api_parse_body(rq);
		if (root == NULL) {
			reply_tmdb_error(r, 5);
			return;
		}
		user = api_body_str(root, "username");
		pass = api_body_str(root, "password");
		token = api_body_str(root, "request_token");
	} else {
		/* Legacy GET form, as in the captures. */
		user = req_arg(rq, "username");
		pass = req_arg(rq, "password");
		token = req_arg(rq, "request_token");
	}
	if (user == NULL || pass == NULL) {
		reply_tmdb_error(r, 26);
		goto out;
	}
	switch (state_login(&rq->si->state, token, user, pass, &expires)) {
	case ST_OK:
		format_tmdb_time(expires, when);
		api_ok(r);
		buf_printf(&r->body, "{\"success\":true,\"expires_at\":\"%s\",\"request_token\":",
			   when);
		buf_json_cstr(&r->body, token);
		buf_adds(&r->body, "}");
		break;
	case ST_BAD_LOGIN:
		reply_tmdb_error(r, 30);
		break;
	default:
		reply_tmdb_error(r, 33);
		break;
	}
out:
	yajl_tree_free(root);
}

static void h_guest_session_new(struct request *rq, struct reply *r)
{
	char id[GUEST_HEX + 1], when[32];

	(void)rq;
	if (random_hex(id, GUEST_HEX) != 0) {
		reply_tmdb_error(r, 11);
		return;
	}
	format_tmdb_time(time(NULL) + GUEST_TTL, when);
	api_ok(r);
	buf_printf(&r->body, "{\"success\":true,\"guest_session_id\":\"%s\",\"expires_at\":\"%s\"}",
		   id, when);
}

static void h_delete_session(struct request *rq, struct reply *r)
{
	yajl_val root = api_parse_body(rq);
	const char *sid = root != NULL ? api_body_str(root, "session_id") : NULL;

	if (sid == NULL) {
		reply_tmdb_error(r, 5);
	} else if (state_revoke(&rq->si->state, sid) == ST_OK) {
		api_ok(r);
		buf_adds(&r->body, "{\"success\":true}");
	} else {
		api_delete_unknown(rq, r, 6);
	}
	yajl_tree_free(root);
}

static void h_account(struct request *rq, struct reply *r)
{
	const struct account *a =
		state_session_account(&rq->si->state, req_arg(rq, "session_id"));

	if (a == NULL) {
		reply_tmdb_error(r, 3);
		return;
	}
	api_ok(r);
	buf_printf(&r->body, "{\"avatar\":{\"gravatar\":{\"hash\":\"%s\"},"
		   "\"tmdb\":{\"avatar_path\":null}},\"id\":%ld,"
		   "\"iso_639_1\":\"en\",\"iso_3166_1\":\"BE\",\"name\":",
		   a->gravatar, a->id);
	buf_json_cstr(&r->body, a->name);
	buf_adds(&r->body, ",\"include_adult\":false,\"username\":");
	buf_json_cstr(&r->body, a->username);
	buf_adds(&r->body, "}");
}

static const struct route {
	const char *path;
	const char *methods;     /* space-separated, for the Allow header */
	void (*fn)(struct request *, struct reply *);
	bool bearer_only;
} routes[] = {
	{ "/3/authentication", "GET HEAD", h_authentication, false },
	{ "/3/authentication/token/new", "GET HEAD", h_token_new, false },
	{ "/3/authentication/session/new", "POST GET HEAD", h_session_new, false },
	{ "/3/authentication/token/validate_with_login", "POST GET HEAD", h_validate_with_login, false },
	{ "/3/authentication/guest_session/new", "GET HEAD", h_guest_session_new, false },
	{ "/3/authentication/session", "DELETE", h_delete_session, false },
	{ "/3/account", "GET HEAD", h_account, false },
	{ "/3/authentication/session/convert/4", "POST", tmdb_v4_convert, false },
	{ "/4/auth/request_token", "POST", tmdb_v4_request_token, true },
	{ "/4/auth/access_token", "POST DELETE", tmdb_v4_access_token, true },
};

static bool method_allowed(const char *methods, const char *method)
{
	size_t n = strlen(method);
	const char *p = methods;

	while ((p = strstr(p, method)) != NULL) {
		if ((p == methods || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

void tmdb_api_handle(struct request *rq, struct reply *r)
{
	const struct route *rt = NULL;
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].path, rq->path) == 0) {
			rt = &routes[i];
			break;
		}
	}
	if (rt == NULL) {
		reply_tmdb_error(r, 34);
		return;
	}
	if (!authorized(rq, rt->bearer_only)) {
		/* bad_bearer=401/3: a Bearer token that is not the application's, as a client
		 * library documents it; a missing or bad api_key alone stays 7 */
		bool bearer = req_header(rq, "Authorization") != NULL;

		reply_tmdb_error(r, bearer && variants_get(&rq->si->variants, VAR_BAD_BEARER) == BEAR_401_3 ? 3 : 7);
		return;
	}
	if (!method_allowed(rt->methods, rq->method)) {
		char allow[64];
		size_t k;

		reply_tmdb_error(r, 42);
		snprintf(allow, sizeof(allow), "%s", rt->methods);
		for (k = 0; allow[k] != '\0'; k++)
			if (allow[k] == ' ')
				allow[k] = ',';
		reply_header(r, "Allow", allow);
		return;
	}
	rt->fn(rq, r);
}
