/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_json.c — TMDb's answers: the same bytes go to json_fields_parse and to each of
 * tmdb_parse_token, tmdb_parse_session, tmdb_parse_account and tmdb_parse_error.
 *
 * Checked: on success a request token is 40 hexadecimal characters and its expires_at is a
 * time at or after 1970 that prints back as the expires_at string of the body; a session id
 * matches [A-Za-z0-9_-]{1,128}; an account has id > 0 and a username of 1..128 bytes without
 * control characters; an error's status_code is in 1..99999 exactly when the parser says 0,
 * and its message is sanitised (no control characters, valid UTF-8, capped); json_fields
 * strings hold no NUL and are valid UTF-8, and a failed parse leaves every field cleared;
 * where json_fields_parse accepts the body with all these fields at once (it may refuse what
 * one parser alone accepts: a field another parser types differently), the specific parsers
 * agree with it on what the body holds. */
#include "config.h"

#include <time.h>

#include "json_fields.h"
#include "tmdb_api.h"
#include "wipe.h"
#include "fuzz_util.h"

enum { G_SUCCESS, G_EXPIRES, G_TOKEN, G_SID, G_ID, G_USER, G_CODE, G_MSG, G_N };

static void check_fields(const struct jf_field *f, size_t n, int rc, const char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (rc != 0) {
			FUZZ_CHECK(!f[i].seen && !f[i].is_null && f[i].str == NULL && f[i].num == 0 && !f[i].boolean,
				   "field %s not cleared after a failure", f[i].name);
			continue;
		}
		if (f[i].str != NULL) {
			size_t sl = strlen(f[i].str);
			FUZZ_CHECK(f[i].type == JF_STRING && f[i].seen && !f[i].is_null, "string on %s", f[i].name);
			FUZZ_CHECK(sl <= len, "string longer than the body");
			/* finding F2: \uD800..\uDFFF escapes come out as invalid UTF-8 */
			FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)f[i].str, sl, false), "%s: invalid UTF-8", f[i].name);
		}
		if (!f[i].seen)
			FUZZ_CHECK(!f[i].is_null && f[i].str == NULL && f[i].num == 0 && !f[i].boolean,
				   "unseen field %s has a value", f[i].name);
	}
	(void)buf;
}

/* The time as TMDb writes it, for the round trip of expires_at. Finding F3: blanks and signs
 * inside the fields, negative hours/minutes/seconds and days past the month's end get in. */
static void check_time(time_t t, const char *src)
{
	struct tm tm;
	char back[32];
	FUZZ_CHECK(strlen(src) == 23, "a time of %zu bytes accepted", strlen(src));
	FUZZ_CHECK(gmtime_r(&t, &tm) != NULL, "gmtime_r");
	FUZZ_CHECK(t >= 0, "expires_at before 1970: %lld from \"%s\"", (long long)t, src);
	strftime(back, sizeof(back), "%Y-%m-%d %H:%M:%S UTC", &tm);
	FUZZ_CHECK(strcmp(back, src) == 0, "expires_at \"%s\" accepted as %lld (%s)", src, (long long)t, back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	const char *why = NULL;
	struct jf_field g[G_N] = {
		[G_SUCCESS] = { .name = "success", .type = JF_BOOL },
		[G_EXPIRES] = { .name = "expires_at", .type = JF_STRING },
		[G_TOKEN] = { .name = "request_token", .type = JF_STRING },
		[G_SID] = { .name = "session_id", .type = JF_STRING },
		[G_ID] = { .name = "id", .type = JF_INT },
		[G_USER] = { .name = "username", .type = JF_STRING },
		[G_CODE] = { .name = "status_code", .type = JF_INT },
		[G_MSG] = { .name = "status_message", .type = JF_STRING },
	};
	int grc = json_fields_parse(body, size, g, G_N, &why);
	check_fields(g, G_N, grc, body, size);
	if (grc != 0)
		FUZZ_CHECK(why != NULL, "failure without a reason");

	/* token/new */
	{
		struct tmdb_token t;
		memset(&t, 0, sizeof(t));
		why = NULL;
		if (tmdb_parse_token(body, size, &t, &why) == 0) {
			FUZZ_CHECK(strlen(t.request_token) == TMDB_TOKEN_LEN &&
					   strspn(t.request_token, "0123456789abcdefABCDEF") == TMDB_TOKEN_LEN,
				   "request_token \"%s\"", t.request_token);
			FUZZ_CHECK(t.expires_at != (time_t)-1, "expires_at -1");
			if (grc == 0) {
				FUZZ_CHECK(g[G_SUCCESS].boolean && g[G_TOKEN].str != NULL &&
						   strcmp(g[G_TOKEN].str, t.request_token) == 0 && g[G_EXPIRES].str != NULL,
					   "token parser disagrees with json_fields_parse");
				check_time(t.expires_at, g[G_EXPIRES].str);
			}
		} else {
			FUZZ_CHECK(why != NULL, "token: failure without a reason");
		}
		tmdb_token_clear(&t);
	}
	/* session/new */
	{
		char *sid = NULL;
		why = NULL;
		if (tmdb_parse_session(body, size, &sid, &why) == 0) {
			FUZZ_CHECK(sid != NULL && fuzz_is_session_id(sid), "session_id \"%s\"", sid ? sid : "(null)");
			FUZZ_CHECK(grc != 0 || (g[G_SID].str != NULL && strcmp(g[G_SID].str, sid) == 0),
				   "session parser disagrees with json_fields_parse");
			wipe_free_str(sid);
		} else {
			FUZZ_CHECK(sid == NULL && why != NULL, "session: failure with an id or without a reason");
		}
	}
	/* account */
	{
		struct tmdb_account a;
		memset(&a, 0, sizeof(a));
		why = NULL;
		if (tmdb_parse_account(body, size, &a, &why) == 0) {
			size_t n = a.username ? strlen(a.username) : 0;
			FUZZ_CHECK(a.id > 0, "account id %lld", a.id);
			FUZZ_CHECK(n >= 1 && n <= 128 && fuzz_no_ctl(a.username), "username");
			FUZZ_CHECK(grc != 0 || (g[G_ID].num == a.id && strcmp(g[G_USER].str, a.username) == 0),
				   "account parser disagrees with json_fields_parse");
		} else {
			FUZZ_CHECK(a.username == NULL && why != NULL, "account: failure with a name or without a reason");
		}
		tmdb_account_clear(&a);
	}
	/* error bodies */
	{
		struct tmdb_error e;
		int rc;
		memset(&e, 0x55, sizeof(e));
		rc = tmdb_parse_error(body, size, &e);
		FUZZ_CHECK(memchr(e.message, '\0', sizeof(e.message)) != NULL, "message not terminated");
		FUZZ_CHECK(fuzz_is_sanitized(e.message, strlen(e.message)), "message not sanitised");
		if (rc == 0) {
			FUZZ_CHECK(e.status_code > 0 && e.status_code < 100000, "status_code %ld", e.status_code);
			FUZZ_CHECK(grc != 0 || g[G_CODE].num == e.status_code, "error parser disagrees");
		} else {
			FUZZ_CHECK(e.status_code == 0, "status_code %ld with a failure", e.status_code);
		}
	}
	/* a time on its own, when the body is short enough to be one */
	if (size < 64) {
		char *s = fuzz_strndup(data, size);
		time_t t = tmdb_parse_time(s);
		if (t != (time_t)-1)
			check_time(t, s);
		free(s);
	}
	json_fields_clear(g, G_N);
	free(body);
	return 0;
}
