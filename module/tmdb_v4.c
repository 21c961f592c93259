/* SPDX-License-Identifier: BSD-3-Clause */
/* TMDb v4 calls. As in tmdb_api.c, answers are untrusted: every field is type-checked, tokens
 * and ids are checked for shape before they are kept, and errors are read for status_code. */
#include "config.h"
#include "tmdb_v4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "json_fields.h"
#include "wipe.h"

/* A 200 answer is believed only when it says success, and, where it gives a status_code,
 * says 1 ("Success."). */
static const char *check_success(const struct jf_field *success, const struct jf_field *code)
{
	if (!success->seen || success->is_null || !success->boolean)
		return "success is not true";
	if (code->seen && !code->is_null && code->num != 1)
		return "status_code is not 1";
	return NULL;
}

enum { R_SUCCESS, R_CODE, R_TOKEN, R_N };

int tmdb_v4_parse_request_token(const char *body, size_t len, char **request_token, const char **why)
{
	struct jf_field f[R_N] = {
		[R_SUCCESS] = { .name = "success", .type = JF_BOOL },
		[R_CODE] = { .name = "status_code", .type = JF_INT },
		[R_TOKEN] = { .name = "request_token", .type = JF_STRING },
	};
	*request_token = NULL;
	if (json_fields_parse(body, len, f, R_N, why) != 0)
		return -1;
	*why = check_success(&f[R_SUCCESS], &f[R_CODE]);
	if (*why == NULL && (f[R_TOKEN].str == NULL || !tmdb_v4_is_token(f[R_TOKEN].str)))
		*why = "request_token is missing or malformed";
	if (*why == NULL) {
		*request_token = f[R_TOKEN].str;
		f[R_TOKEN].str = NULL;
	}
	json_fields_clear(f, R_N);
	return *request_token != NULL ? 0 : -1;
}

enum { A_SUCCESS, A_CODE, A_TOKEN, A_ACCOUNT, A_N };

int tmdb_v4_parse_access_token(const char *body, size_t len, char **access_token, char **account_object_id,
			       const char **why)
{
	struct jf_field f[A_N] = {
		[A_SUCCESS] = { .name = "success", .type = JF_BOOL },
		[A_CODE] = { .name = "status_code", .type = JF_INT },
		[A_TOKEN] = { .name = "access_token", .type = JF_STRING },
		/* a string in v4: an integer here is the wrong type, refused by json_fields */
		[A_ACCOUNT] = { .name = "account_id", .type = JF_STRING },
	};
	int rc = -1;

	*access_token = NULL;
	*account_object_id = NULL;
	if (json_fields_parse(body, len, f, A_N, why) != 0)
		return -1;
	*why = check_success(&f[A_SUCCESS], &f[A_CODE]);
	if (*why == NULL && (f[A_TOKEN].str == NULL || !tmdb_v4_is_token(f[A_TOKEN].str)))
		*why = "access_token is missing or malformed";
	else if (*why == NULL && (f[A_ACCOUNT].str == NULL || !tmdb_v4_is_object_id(f[A_ACCOUNT].str)))
		*why = "account_id is missing or not an object id";
	if (*why == NULL) {
		*access_token = f[A_TOKEN].str;
		*account_object_id = f[A_ACCOUNT].str;
		f[A_TOKEN].str = NULL;
		f[A_ACCOUNT].str = NULL;
		rc = 0;
	}
	json_fields_clear(f, A_N);
	return rc;
}

/* {"name":"value"} for a value checked by tmdb_v4_is_token (nothing to escape); a fresh
 * string (wipe_free_str: it holds a token), NULL when out of memory. */
static char *token_body(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 8;
	char *body = malloc(n);
	if (body != NULL)
		snprintf(body, n, "{\"%s\":\"%s\"}", name, value);
	return body;
}

/* {"redirect_to":"…"} or {}. redirect_to is printable ASCII (options.c): only '"' and '\'
 * need escaping. */
static char *request_token_body(const char *redirect_to)
{
	size_t n = redirect_to != NULL ? 2 * strlen(redirect_to) + 20 : 3;
	char *body = malloc(n), *p;
	if (body == NULL)
		return NULL;
	if (redirect_to == NULL) {
		memcpy(body, "{}", 3);
		return body;
	}
	p = body + sprintf(body, "{\"redirect_to\":\"");
	for (const char *s = redirect_to; *s; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	memcpy(p, "\"}", 3);
	return body;
}

/* A v4 call whose body holds a secret (a token): the body is wiped whatever happens. */
static int call(struct tmdb_client *t, const char *method, const char *path, char *body, struct http_response *r)
{
	int rc;
	if (body == NULL)
		return PAM_BUF_ERR;
	rc = http_request(t->http, method, path, body, r);
	wipe_free_str(body);
	return rc;
}

/* A token that is about to go into a request body must have the shape checked on arrival;
 * one that does not (a caller's slip) is never sent. */
static int refuse_token(struct tmdb_client *t, const char *what)
{
	pam_syslog(t->pamh, LOG_ERR, "%s: refusing to send a malformed token", what);
	return PAM_SERVICE_ERR;
}

int tmdb_v4_request_token(struct tmdb_client *t, char **request_token)
{
	const char *what = "auth/request_token", *why = NULL;
	struct http_response r;
	long status = 0;
	int rc;

	*request_token = NULL;
	rc = call(t, "POST", "/4/auth/request_token", request_token_body(t->o->redirect_to), &r);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status))
		rc = tmdb_app_answer_error(t, what, &r, (const long[]){ 0 }, &status);
	else if (tmdb_v4_parse_request_token(r.body, r.len, request_token, &why) != 0)
		rc = tmdb_malformed(t, what, why);
	http_response_clear(&r);
	return rc;
}

int tmdb_v4_access_token(struct tmdb_client *t, const char *request_token, char **access_token,
			 char **account_object_id, enum tmdb_approval *state)
{
	const char *what = "auth/access_token", *why = NULL;
	struct http_response r;
	int rc;

	*access_token = NULL;
	*account_object_id = NULL;
	*state = TMDB_NOT_APPROVED;
	if (!tmdb_v4_is_token(request_token))
		return refuse_token(t, what);
	rc = call(t, "POST", "/4/auth/access_token", token_body("request_token", request_token), &r);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status)) {
		rc = tmdb_token_refusal(t, what, &r, (const long[]){ TMDB_ST_V4_NOT_APPROVED, TMDB_ST_SESSION_DENIED, 0 },
					state);
	} else if (tmdb_v4_parse_access_token(r.body, r.len, access_token, account_object_id, &why) != 0) {
		rc = tmdb_malformed(t, what, why);
	} else {
		*state = TMDB_APPROVED;
	}
	http_response_clear(&r);
	return rc;
}

int tmdb_v4_convert(struct tmdb_client *t, const char *access_token, char **session_id)
{
	const char *what = "session/convert/4", *why = NULL;
	struct http_response r;
	long status = 0;
	int rc;

	*session_id = NULL;
	if (!tmdb_v4_is_token(access_token))
		return refuse_token(t, what);
	rc = call(t, "POST", "/3/authentication/session/convert/4", token_body("access_token", access_token), &r);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status)) {
		/* logged as errors: TMDb just gave the module this token, it should convert */
		rc = tmdb_answer_error(t, what, &r, (const long[]){ 0 }, &status);
		if (rc == PAM_AUTHINFO_UNAVAIL &&
		    (status == TMDB_ST_SESSION_DENIED || status == TMDB_ST_INVALID_TOKEN || status == TMDB_ST_NO_WRITE))
			rc = PAM_AUTH_ERR;
	} else if (tmdb_parse_session(r.body, r.len, session_id, &why) != 0) {
		/* the answer has session/new's shape: success, session_id */
		rc = tmdb_malformed(t, what, why);
	}
	http_response_clear(&r);
	return rc;
}

int tmdb_v4_delete_access_token(struct tmdb_client *t, const char *access_token)
{
	const char *what = "auth/access_token delete";
	struct http_response r;
	long status = 0;
	int rc;

	if (!tmdb_v4_is_token(access_token))
		return refuse_token(t, what);
	/* a DELETE with a body, as TMDb documents it */
	rc = call(t, "DELETE", "/4/auth/access_token", token_body("access_token", access_token), &r);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status)) {
		/* callers log a failed revocation themselves; a token TMDb no longer knows is
		 * revoked already */
		rc = tmdb_answer_error(t, what, &r, (const long[]){ TMDB_ST_INVALID_TOKEN, TMDB_ST_NOT_FOUND, 0 },
				       &status);
		if (rc == PAM_AUTHINFO_UNAVAIL && (status == TMDB_ST_INVALID_TOKEN || status == TMDB_ST_NOT_FOUND))
			rc = tmdb_already_gone(t, what);
		else if (rc == PAM_AUTHINFO_UNAVAIL && status != 0)
			rc = PAM_AUTH_ERR;
	}
	http_response_clear(&r);
	return rc;
}
