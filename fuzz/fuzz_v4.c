/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_v4.c — TMDb's v4 answers (flow=v4): the same bytes go to json_fields_parse, to
 * tmdb_v4_parse_request_token (POST /4/auth/request_token), tmdb_v4_parse_access_token (POST
 * /4/auth/access_token) and tmdb_parse_session (session/convert/4 answers like session/new);
 * a short input is also taken whole as a token and an object id.
 *
 * Checked: an accepted request or access token is 1..TMDB_V4_TOKEN_MAX bytes of
 * [A-Za-z0-9_.-] (it goes unescaped into a URL, a JSON body, the PAM environment and a cache
 * line), an accepted account_id 1..TMDB_V4_OBJECT_ID_MAX bytes of [A-Za-z0-9_-]; an answer is
 * accepted only with "success": true and a status_code that is absent, null or 1; a refused
 * answer hands back nothing (NULL) and says why; where json_fields_parse reads the body with
 * all these fields at once, the parsers agree with it; tmdb_v4_is_token and
 * tmdb_v4_is_object_id agree with a model of those shapes. */
#include "config.h"

#include "json_fields.h"
#include "tmdb_api.h"
#include "tmdb_v4.h"
#include "wipe.h"
#include "fuzz_util.h"

static bool model_shape(const char *s, size_t max, bool dot)
{
	size_t n = strlen(s);
	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			  c == '-' || (dot && c == '.');
		if (!ok)
			return false;
	}
	return true;
}

enum { G_SUCCESS, G_CODE, G_REQUEST, G_ACCESS, G_ACCOUNT, G_SID, G_N };

/* What the module asks of any 200 answer before it believes it. */
static void check_success(const struct jf_field *g, const char *what)
{
	FUZZ_CHECK(g[G_SUCCESS].seen && !g[G_SUCCESS].is_null && g[G_SUCCESS].boolean, "%s without success:true", what);
	FUZZ_CHECK(!g[G_CODE].seen || g[G_CODE].is_null || g[G_CODE].num == 1, "%s with status_code %lld", what,
		   g[G_CODE].num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	const char *why = NULL;
	struct jf_field g[G_N] = {
		[G_SUCCESS] = { .name = "success", .type = JF_BOOL },
		[G_CODE] = { .name = "status_code", .type = JF_INT },
		[G_REQUEST] = { .name = "request_token", .type = JF_STRING },
		[G_ACCESS] = { .name = "access_token", .type = JF_STRING },
		[G_ACCOUNT] = { .name = "account_id", .type = JF_STRING },
		[G_SID] = { .name = "session_id", .type = JF_STRING },
	};
	int grc = json_fields_parse(body, size, g, G_N, &why);

	/* /4/auth/request_token */
	{
		char *tok = (char *)1;
		why = NULL;
		if (tmdb_v4_parse_request_token(body, size, &tok, &why) == 0) {
			FUZZ_CHECK(tok != NULL && model_shape(tok, TMDB_V4_TOKEN_MAX, true), "request_token \"%s\"",
				   tok ? tok : "(null)");
			if (grc == 0) {
				check_success(g, "request token");
				FUZZ_CHECK(g[G_REQUEST].str != NULL && strcmp(g[G_REQUEST].str, tok) == 0,
					   "request token parser disagrees with json_fields_parse");
			}
			wipe_free_str(tok);
		} else {
			FUZZ_CHECK(tok == NULL && why != NULL, "request token: failure with a token or without a reason");
		}
	}
	/* /4/auth/access_token */
	{
		char *acc = (char *)1, *oid = (char *)1;
		why = NULL;
		if (tmdb_v4_parse_access_token(body, size, &acc, &oid, &why) == 0) {
			FUZZ_CHECK(acc != NULL && model_shape(acc, TMDB_V4_TOKEN_MAX, true), "access_token");
			FUZZ_CHECK(oid != NULL && model_shape(oid, TMDB_V4_OBJECT_ID_MAX, false), "account_id \"%s\"",
				   oid ? oid : "(null)");
			if (grc == 0) {
				check_success(g, "access token");
				FUZZ_CHECK(g[G_ACCESS].str != NULL && strcmp(g[G_ACCESS].str, acc) == 0 &&
						   g[G_ACCOUNT].str != NULL && strcmp(g[G_ACCOUNT].str, oid) == 0,
					   "access token parser disagrees with json_fields_parse");
			}
			wipe_free_str(acc);
			free(oid);
		} else {
			FUZZ_CHECK(acc == NULL && oid == NULL && why != NULL,
				   "access token: failure with a value or without a reason");
		}
	}
	/* session/convert/4 */
	{
		char *sid = NULL;
		why = NULL;
		if (tmdb_parse_session(body, size, &sid, &why) == 0) {
			FUZZ_CHECK(sid != NULL && fuzz_is_session_id(sid), "session_id");
			FUZZ_CHECK(grc != 0 || (g[G_SID].str != NULL && strcmp(g[G_SID].str, sid) == 0),
				   "session parser disagrees with json_fields_parse");
			wipe_free_str(sid);
		} else {
			FUZZ_CHECK(sid == NULL && why != NULL, "session: failure with an id or without a reason");
		}
	}
	/* the input as a token or an id (from the PAM environment or a cache line) */
	if (size <= 2 * TMDB_V4_TOKEN_MAX) {
		char *s = fuzz_strndup(data, size);
		FUZZ_CHECK(tmdb_v4_is_token(s) == model_shape(s, TMDB_V4_TOKEN_MAX, true), "tmdb_v4_is_token(\"%s\")", s);
		FUZZ_CHECK(tmdb_v4_is_object_id(s) == model_shape(s, TMDB_V4_OBJECT_ID_MAX, false),
			   "tmdb_v4_is_object_id(\"%s\")", s);
		free(s);
	}
	json_fields_clear(g, G_N);
	free(body);
	return 0;
}
