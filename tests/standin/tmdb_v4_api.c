/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_v4_api.c: the v4 endpoints, with TMDb's shapes and errors: a
 * request token answers {status_message, request_token, success,
 * status_code 1}; the access token {account_id (a string), access_token,
 * success, status_message, status_code 1}; not approved yet is 422 status 41,
 * an expired, used or unknown request token 401 status 33, an unknown or
 * revoked access token 401 status 35; a body that is not a JSON object with
 * the expected string is 422 status 5. */
#include "config.h"

#include "tmdb_v4_api.h"

#include <string.h>

#include "tmdb_api.h"
#include "util.h"

/* Member name of the body as a string; NULL (with a 422 status 5 reply) when the body or the
 * member is missing or not a string. *root must be freed by the caller. */
static const char *body_arg(struct request *rq, struct reply *r, yajl_val *root, const char *name)
{
	const char *v;

	*root = api_parse_body(rq);
	v = *root != NULL ? api_body_str(*root, name) : NULL;
	if (v == NULL)
		reply_tmdb_error(r, 5);
	return v;
}

void tmdb_v4_request_token(struct request *rq, struct reply *r)
{
	const char *path[] = { "redirect_to", NULL };
	const char *redirect = NULL;
	yajl_val root = NULL, v;
	struct buf token;

	/* the body is optional; when there is one it must be an object, redirect_to a string */
	if (rq->body.len > 0 || rq->body_too_big) {
		root = api_parse_body(rq);
		v = root != NULL ? yajl_tree_get(root, path, yajl_t_any) : NULL;
		if (root == NULL || (v != NULL && !YAJL_IS_STRING(v) && !YAJL_IS_NULL(v))) {
			reply_tmdb_error(r, 5);
			yajl_tree_free(root);
			return;
		}
		redirect = v != NULL && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
	}
	buf_init(&token);
	if (state_new_v4_token(&rq->si->state, redirect, &token) != 0) {
		reply_tmdb_error(r, 11);
	} else {
		api_ok(r);
		buf_adds(&r->body, "{\"status_message\":\"Success.\",\"request_token\":");
		buf_json_cstr(&r->body, token.data);
		buf_adds(&r->body, ",\"success\":true,\"status_code\":1}");
	}
	buf_free(&token);
	yajl_tree_free(root);
}

static void issue_access(struct request *rq, struct reply *r)
{
	const struct account *a = NULL;
	yajl_val root;
	const char *token = body_arg(rq, r, &root, "request_token");
	struct buf access;

	if (token == NULL)
		goto out;
	buf_init(&access);
	switch (state_v4_access_token(&rq->si->state, token, &access, &a)) {
	case ST_OK:
		api_ok(r);
		buf_adds(&r->body, "{\"account_id\":");
		buf_json_cstr(&r->body, a->object_id);
		buf_adds(&r->body, ",\"access_token\":");
		buf_json_cstr(&r->body, access.data);
		buf_adds(&r->body, ",\"success\":true,\"status_message\":\"Success.\",\"status_code\":1}");
		break;
	case ST_DENIED:
		/* nobody has recorded this answer: 422/41 by TMDb's table, or a variant */
		switch (variants_get(&rq->si->variants, VAR_V4_NOT_APPROVED)) {
		case V4NA_401_33:
			reply_tmdb_error(r, 33);
			break;
		case V4NA_401_17:
			reply_tmdb_error(r, 17);
			break;
		default:
			reply_tmdb_error(r, 41);
			break;
		}
		break;
	case ST_ERROR:
		reply_tmdb_error(r, 11);
		break;
	default:
		reply_tmdb_error(r, 33);
		break;
	}
	buf_free(&access);
out:
	yajl_tree_free(root);
}

static void revoke_access(struct request *rq, struct reply *r)
{
	yajl_val root;
	const char *token = body_arg(rq, r, &root, "access_token");

	if (token != NULL && state_v4_revoke(&rq->si->state, token) == ST_OK) {
		api_ok(r);
		buf_adds(&r->body, "{\"status_message\":\"The item/record was deleted successfully.\","
			 "\"success\":true,\"status_code\":13}");
	} else if (token != NULL) {
		api_delete_unknown(rq, r, 35);
	}
	yajl_tree_free(root);
}

void tmdb_v4_access_token(struct request *rq, struct reply *r)
{
	if (strcmp(rq->method, "DELETE") == 0)
		revoke_access(rq, r);
	else
		issue_access(rq, r);
}

void tmdb_v4_convert(struct request *rq, struct reply *r)
{
	const struct standin *si = rq->si;
	char sid[SESSION_HEX + 1];
	yajl_val root;
	const char *token = body_arg(rq, r, &root, "access_token");
	size_t i;

	if (token == NULL)
		goto out;
	/* only a token a user approved converts, never the application's read token */
	for (i = 0; i < si->n_access_tokens; i++) {
		if (strcmp(si->access_tokens[i], token) == 0) {
			reply_tmdb_error(r, 36);
			goto out;
		}
	}
	if (!api_session_reply(r, state_v4_convert(&rq->si->state, token, sid), sid))
		reply_tmdb_error(r, 35);
out:
	yajl_tree_free(root);
}
