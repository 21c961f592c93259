/* SPDX-License-Identifier: BSD-3-Clause */
/* TMDb v3 calls. Responses are untrusted: every field is type-checked, tokens and ids are
 * checked for shape, and errors are read for TMDb's status_code. */
#include "config.h"
#include "tmdb_api.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "json_fields.h"
#include "wipe.h"

#define MAX_USERNAME 128

/* Strictly "YYYY-MM-DD HH:MM:SS UTC": digits where digits belong, real calendar dates. */
time_t tmdb_parse_time(const char *s)
{
	static const char pattern[] = "dddd-dd-dd dd:dd:dd UTC";
	struct tm tm, back;
	time_t t;

	if (s == NULL || strlen(s) != sizeof(pattern) - 1)
		return -1;
	for (size_t i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i])
			return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	if (tm.tm_year < 70 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return -1;
	back = tm;
	t = timegm(&tm);
	/* timegm normalises 02-31 into March: such a date is not one */
	if (t == (time_t)-1 || tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon || tm.tm_year != back.tm_year)
		return -1;
	return t;
}

static bool is_lower_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static bool is_clean_username(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_USERNAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

enum { F_SUCCESS, F_EXPIRES, F_TOKEN };

int tmdb_parse_token(const char *body, size_t len, struct tmdb_token *t, const char **why)
{
	struct jf_field f[] = {
		[F_SUCCESS] = { .name = "success", .type = JF_BOOL },
		[F_EXPIRES] = { .name = "expires_at", .type = JF_STRING },
		[F_TOKEN] = { .name = "request_token", .type = JF_STRING },
	};
	int rc = -1;

	if (json_fields_parse(body, len, f, 3, why) != 0)
		return -1;
	if (!f[F_SUCCESS].seen || f[F_SUCCESS].is_null || !f[F_SUCCESS].boolean) {
		*why = "success is not true";
	} else if (f[F_TOKEN].str == NULL || !is_lower_hex(f[F_TOKEN].str, TMDB_TOKEN_LEN)) {
		*why = "request_token is not 40 hexadecimal characters";
	} else if (f[F_EXPIRES].str == NULL || (t->expires_at = tmdb_parse_time(f[F_EXPIRES].str)) == (time_t)-1) {
		*why = "expires_at is missing or malformed";
	} else {
		memcpy(t->request_token, f[F_TOKEN].str, TMDB_TOKEN_LEN + 1);
		rc = 0;
	}
	json_fields_clear(f, 3);
	return rc;
}

int tmdb_parse_session(const char *body, size_t len, char **session_id, const char **why)
{
	struct jf_field f[] = {
		{ .name = "success", .type = JF_BOOL },
		{ .name = "session_id", .type = JF_STRING },
	};
	if (json_fields_parse(body, len, f, 2, why) != 0)
		return -1;
	if (!f[0].seen || f[0].is_null || !f[0].boolean) {
		*why = "success is not true";
	} else if (f[1].str == NULL || !tmdb_is_session_id(f[1].str)) {
		*why = "session_id is missing or malformed";
	} else {
		*session_id = f[1].str;
		f[1].str = NULL;
		json_fields_clear(f, 2);
		return 0;
	}
	json_fields_clear(f, 2);
	return -1;
}

int tmdb_parse_account(const char *body, size_t len, struct tmdb_account *a, const char **why)
{
	struct jf_field f[] = {
		{ .name = "id", .type = JF_INT },
		{ .name = "username", .type = JF_STRING },
	};
	if (json_fields_parse(body, len, f, 2, why) != 0)
		return -1;
	if (!f[0].seen || f[0].is_null || f[0].num <= 0) {
		*why = "id is missing or not a positive integer";
	} else if (f[1].str == NULL || !is_clean_username(f[1].str)) {
		*why = "username is missing or malformed";
	} else {
		a->id = f[0].num;
		a->username = f[1].str;
		f[1].str = NULL;
		json_fields_clear(f, 2);
		return 0;
	}
	json_fields_clear(f, 2);
	return -1;
}

int tmdb_parse_error(const char *body, size_t len, struct tmdb_error *e)
{
	struct jf_field f[] = {
		{ .name = "status_code", .type = JF_INT },
		{ .name = "status_message", .type = JF_STRING },
	};
	const char *why;
	memset(e, 0, sizeof(*e));
	if (body == NULL || json_fields_parse(body, len, f, 2, &why) != 0)
		return -1;
	if (f[0].seen && !f[0].is_null && f[0].num > 0 && f[0].num < 100000)
		e->status_code = (long)f[0].num;
	if (f[1].str != NULL)
		text_sanitize(e->message, sizeof(e->message), f[1].str, strlen(f[1].str));
	json_fields_clear(f, 2);
	return e->status_code > 0 ? 0 : -1;
}

void tmdb_token_clear(struct tmdb_token *t)
{
	wipe(t->request_token, sizeof(t->request_token));
	free(t->callback);
	t->callback = NULL;
	t->expires_at = 0;
}

void tmdb_account_clear(struct tmdb_account *a)
{
	free(a->username);
	a->username = NULL;
	a->id = 0;
}

/* "{path}?{extra}&api_key=K" or "{path}?{extra}" (bearer); extra may be NULL. */
static char *build_path(struct tmdb_client *t, const char *path, const char *extra)
{
	char *key = NULL, *out;
	size_t n;
	if (t->o->api_key != NULL && t->o->access_token == NULL) {
		key = http_escape(t->http, t->o->api_key);
		if (key == NULL)
			return NULL;
	}
	n = strlen(path) + (extra ? strlen(extra) : 0) + (key ? strlen(key) : 0) + 16;
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s%s%s%s%s%s", path, (extra || key) ? "?" : "", extra ? extra : "",
			 (extra && key) ? "&" : "", key ? "api_key=" : "", key ? key : "");
	wipe_free_str(key);
	return out;
}

/* The configured credential a call carries, named as in pam_tmdb.conf(5) (build_path: the
 * read access token wins when both are set). */
static const char *credential_name(const struct tmdb_options *o)
{
	return o->access_token != NULL ? "access_token (the API read access token, sent as Bearer)" : "api_key";
}

static int answer_error(struct tmdb_client *t, const char *what, const struct http_response *r,
			const long *expected, long *status_code, bool app_only)
{
	struct tmdb_error e;
	bool parsed = tmdb_parse_error(r->body, r->len, &e) == 0;
	bool quiet = false;
	*status_code = parsed ? e.status_code : 0;
	/* 3 ("Authentication failed") on a call whose only credential is the application's bearer
	 * token can only be about that token: a client library documents it for a bad one */
	if (parsed && (e.status_code == TMDB_ST_INVALID_KEY || e.status_code == TMDB_ST_SUSPENDED_KEY ||
		       (app_only && t->o->access_token != NULL && e.status_code == TMDB_ST_AUTH_FAILED))) {
		pam_syslog(t->pamh, LOG_ERR, "%s: TMDb rejected the API key or access token: check %s in the "
			   "configuration (HTTP %ld, status %ld: %s)", what, credential_name(t->o), r->status,
			   e.status_code, e.message);
		return PAM_SERVICE_ERR;
	}
	for (; parsed && *expected != 0; expected++)
		quiet |= *expected == e.status_code;
	if (parsed && (!quiet || t->o->debug))
		pam_syslog(t->pamh, quiet ? LOG_DEBUG : LOG_ERR, "%s: HTTP %ld, TMDb status %ld: %s", what, r->status,
			   e.status_code, e.message);
	if (!parsed)
		pam_syslog(t->pamh, LOG_ERR, "%s: unexpected answer HTTP %ld%s", what, r->status,
			   r->status >= 300 && r->status < 400 ? " (redirects are not followed)" : " without a TMDb error body");
	return PAM_AUTHINFO_UNAVAIL;
}

int tmdb_answer_error(struct tmdb_client *t, const char *what, const struct http_response *r,
		      const long *expected, long *status_code)
{
	return answer_error(t, what, r, expected, status_code, false);
}

int tmdb_app_answer_error(struct tmdb_client *t, const char *what, const struct http_response *r,
			  const long *expected, long *status_code)
{
	return answer_error(t, what, r, expected, status_code, true);
}

int tmdb_already_gone(struct tmdb_client *t, const char *what)
{
	if (t->o->debug)
		pam_syslog(t->pamh, LOG_DEBUG, "%s: TMDb no longer knows it: nothing left to delete", what);
	return PAM_SUCCESS;
}

bool tmdb_is_2xx(long status)
{
	return status >= 200 && status < 300;
}

int tmdb_malformed(struct tmdb_client *t, const char *what, const char *why)
{
	pam_syslog(t->pamh, LOG_ERR, "%s: malformed answer from TMDb: %s", what, why);
	return PAM_AUTHINFO_UNAVAIL;
}

/* A GET of a path from build_path (NULL: memory ran out), which it wipes and frees:
 * token/new and the account call both read this way. */
static int get_path(struct tmdb_client *t, char *path, struct http_response *r)
{
	int rc;

	if (path == NULL)
		return PAM_BUF_ERR;
	rc = http_request(t->http, "GET", path, NULL, r);
	wipe_free_str(path);
	return rc;
}

int tmdb_new_token(struct tmdb_client *t, struct tmdb_token *out)
{
	const char *what = "token/new", *why = NULL;
	struct http_response r;
	long status = 0;
	char *path = build_path(t, "/3/authentication/token/new", NULL);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = get_path(t, path, &r);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status))
		rc = tmdb_app_answer_error(t, what, &r, (const long[]){ 0 }, &status);
	else if (tmdb_parse_token(r.body, r.len, out, &why) != 0)
		rc = tmdb_malformed(t, what, why);
	else {
		out->callback = r.callback;
		r.callback = NULL;
	}
	http_response_clear(&r);
	return rc;
}

int tmdb_token_refusal(struct tmdb_client *t, const char *what, const struct http_response *r,
		       const long *not_yet, enum tmdb_approval *state)
{
	long expected[4] = { TMDB_ST_TOKEN_INVALID, 0, 0, 0 };
	long status = 0;
	bool waiting = false;
	int rc;

	for (size_t i = 0; not_yet[i] != 0 && i < 2; i++)
		expected[i + 1] = not_yet[i];
	rc = tmdb_app_answer_error(t, what, r, expected, &status);
	if (rc != PAM_AUTHINFO_UNAVAIL)
		return rc;
	for (size_t i = 1; expected[i] != 0; i++)
		waiting |= status == expected[i];
	if (waiting)
		*state = TMDB_NOT_APPROVED;
	else if (status == TMDB_ST_TOKEN_INVALID)
		*state = TMDB_TOKEN_EXPIRED;
	else
		return rc;
	return PAM_SUCCESS;
}

int tmdb_new_session(struct tmdb_client *t, const char *request_token, char **session_id, enum tmdb_approval *state)
{
	const char *what = "session/new", *why = NULL;
	struct http_response r;
	char body[TMDB_TOKEN_LEN + 32];
	char *path = build_path(t, "/3/authentication/session/new", NULL);
	int rc;

	*session_id = NULL;
	*state = TMDB_NOT_APPROVED;
	if (path == NULL)
		return PAM_BUF_ERR;
	snprintf(body, sizeof(body), "{\"request_token\":\"%s\"}", request_token);
	rc = http_request(t->http, "POST", path, body, &r);
	wipe(body, sizeof(body));
	wipe_free_str(path);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status))
		rc = tmdb_token_refusal(t, what, &r, (const long[]){ TMDB_ST_SESSION_DENIED, 0 }, state);
	else if (tmdb_parse_session(r.body, r.len, session_id, &why) != 0) {
		rc = tmdb_malformed(t, what, why);
	} else {
		*state = TMDB_APPROVED;
	}
	http_response_clear(&r);
	return rc;
}

int tmdb_get_account(struct tmdb_client *t, const char *session_id, struct tmdb_account *out)
{
	const char *what = "account", *why = NULL;
	struct http_response r;
	long status = 0;
	char *sid = http_escape(t->http, session_id);
	char *extra, *path;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sid == NULL)
		return PAM_BUF_ERR;
	n = strlen(sid) + sizeof("session_id=");
	extra = malloc(n);
	if (extra == NULL) {
		wipe_free_str(sid);
		return PAM_BUF_ERR;
	}
	snprintf(extra, n, "session_id=%s", sid);
	path = build_path(t, "/3/account", extra);
	wipe_free_str(sid);
	wipe_free_str(extra);
	rc = get_path(t, path, &r);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status)) {
		rc = tmdb_answer_error(t, what, &r, (const long[]){ TMDB_ST_AUTH_FAILED, 0 }, &status);
		if (rc == PAM_AUTHINFO_UNAVAIL && status == TMDB_ST_AUTH_FAILED)
			rc = PAM_AUTH_ERR;
	} else if (tmdb_parse_account(r.body, r.len, out, &why) != 0) {
		rc = tmdb_malformed(t, what, why);
	}
	http_response_clear(&r);
	return rc;
}

int tmdb_delete_session(struct tmdb_client *t, const char *session_id)
{
	const char *what = "session delete";
	struct http_response r;
	long status = 0;
	char *path = build_path(t, "/3/authentication/session", NULL);
	size_t n = strlen(session_id) + 32;
	char *body = malloc(n);
	int rc;

	if (path == NULL || body == NULL) {
		wipe_free_str(path);
		free(body);
		return PAM_BUF_ERR;
	}
	/* session ids are checked to be [A-Za-z0-9_-] before they get here: no JSON escaping needed */
	snprintf(body, n, "{\"session_id\":\"%s\"}", session_id);
	rc = http_request(t->http, "DELETE", path, body, &r);
	wipe_free(body, n);
	wipe_free_str(path);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!tmdb_is_2xx(r.status)) {
		/* callers log a failed delete themselves; one TMDb no longer knows is done (its
		 * answer is not recorded anywhere: 404/6 documented, 401/35 seen for v4) */
		rc = tmdb_answer_error(t, what, &r, (const long[]){ TMDB_ST_NOT_FOUND, TMDB_ST_INVALID_TOKEN, 0 },
				       &status);
		if (rc == PAM_AUTHINFO_UNAVAIL && (status == TMDB_ST_NOT_FOUND || status == TMDB_ST_INVALID_TOKEN))
			rc = tmdb_already_gone(t, what);
		else if (rc == PAM_AUTHINFO_UNAVAIL && status != 0)
			rc = PAM_AUTH_ERR;
	}
	http_response_clear(&r);
	return rc;
}
