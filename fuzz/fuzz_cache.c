/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_cache.c — a cache file's bytes (someone else may have written the cache file, or the
 * disk may have damaged it) through cache_parse.
 *
 * Checked: a parsed entry has a session id of [A-Za-z0-9_-]{1,128}, account id > 0 and a
 * username of at least one byte without control characters; a v4 entry (format 2) has both an
 * access token of [A-Za-z0-9_.-]{1,1024} and an object id of [A-Za-z0-9_-]{1,64}, a v3 entry
 * neither; a refused input leaves the struct empty; round trip: cache_format of a parsed entry parses again to the same values,
 * and formatting that gives the same bytes again (cache_format is a fixed point). */
#include "config.h"

#include "cache.h"
#include "session.h"
#include "tmdb_v4.h"
#include "wipe.h"
#include "fuzz_util.h"

static void check_entry(const struct tmdb_session *s)
{
	FUZZ_CHECK(s->session_id != NULL && fuzz_is_session_id(s->session_id), "session_id");
	FUZZ_CHECK(s->account_id > 0, "account_id %lld", s->account_id);
	FUZZ_CHECK(s->username != NULL && s->username[0] != '\0' && fuzz_no_ctl(s->username), "username");
	FUZZ_CHECK((s->access_token == NULL) == (s->account_object_id == NULL), "half a v4 credential");
	if (s->access_token != NULL) {
		size_t n = strlen(s->access_token), m = strlen(s->account_object_id);
		FUZZ_CHECK(n >= 1 && n <= TMDB_V4_TOKEN_MAX &&
				   strspn(s->access_token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n,
			   "access_token");
		FUZZ_CHECK(m >= 1 && m <= TMDB_V4_OBJECT_ID_MAX &&
				   strspn(s->account_object_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == m,
			   "account_object_id");
	}
}

static bool same_or_both_null(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	struct tmdb_session s, s2, s3;
	char *text, *text2;

	memset(&s, 0x55, sizeof(s));
	if (cache_parse(buf, size, &s) != 0) {
		FUZZ_CHECK(s.session_id == NULL && s.username == NULL && s.account_id == 0 && s.access_token == NULL &&
				   s.account_object_id == NULL,
			   "refused entry not cleared");
		free(buf);
		return 0;
	}
	check_entry(&s);

	text = cache_format(&s);
	FUZZ_CHECK(text != NULL, "cache_format");
	/* the canonical form is never longer than what was parsed */
	FUZZ_CHECK(strlen(text) <= size, "formatted entry longer than the input:\n%s", text);
	{
		char *copy = fuzz_copy((const uint8_t *)text, strlen(text));
		FUZZ_CHECK(cache_parse(copy, strlen(text), &s2) == 0, "formatted entry does not parse:\n%s", text);
		free(copy);
		check_entry(&s2);
		FUZZ_CHECK(strcmp(s.session_id, s2.session_id) == 0, "session_id changed");
		FUZZ_CHECK(s.account_id == s2.account_id, "account_id %lld -> %lld", s.account_id, s2.account_id);
		FUZZ_CHECK(strcmp(s.username, s2.username) == 0, "username changed: \"%s\" -> \"%s\"", s.username, s2.username);
		FUZZ_CHECK(same_or_both_null(s.access_token, s2.access_token) &&
				   same_or_both_null(s.account_object_id, s2.account_object_id),
			   "v4 part changed");
		text2 = cache_format(&s2);
		FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0, "cache_format not a fixed point");
		FUZZ_CHECK(cache_parse(text2, strlen(text2), &s3) == 0, "second round trip");
		session_clear(&s3);
		wipe_free_str(text2);
		session_clear(&s2);
	}
	wipe_free_str(text);
	session_clear(&s);
	free(buf);
	return 0;
}
