/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of everything that reads untrusted bytes: JSON fields, TMDb answers, times,
 * server text, cache files and names, the user map. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "cache.h"
#include "check.h"
#include "json_fields.h"
#include "text.h"
#include "tmdb_api.h"
#include "tmdb_v4.h"
#include "wipe.h"

#define S(lit) lit, strlen(lit)
#define TOKEN40 "0123456789abcdef0123456789abcdef01234567"
#define JWT "eyJhbGciOiJIUzI1NiJ9.eyJ2ZXJzaW9uIjoxfQ.c2ln-_"
#define OID "5e4c3b2a1f0e9d8c7b6a5f4e"

static int parse_token(const char *body, struct tmdb_token *t, const char **why)
{
	memset(t, 0, sizeof(*t));
	*why = "";
	return tmdb_parse_token(body, strlen(body), t, why);
}

static void test_token(void)
{
	struct tmdb_token t;
	const char *why;
	CHECK(parse_token("{\"success\":true,\"expires_at\":\"2026-01-01 00:00:00 UTC\",\"request_token\":\"" TOKEN40 "\"}", &t, &why) == 0,
	      "a TMDb token answer parses (%s)", why);
	CHECK(strcmp(t.request_token, TOKEN40) == 0, "token copied");
	CHECK(t.expires_at == 1767225600, "expires_at is UTC: %lld", (long long)t.expires_at);
	CHECK(parse_token("{\"success\":true,\"expires_at\":\"2026-01-01 00:00:00 UTC\",\"request_token\":\"0123\"}", &t, &why) != 0,
	      "a short token is refused: %s", why);
	CHECK(parse_token("{\"success\":true,\"expires_at\":\"2026-01-01 00:00:00 UTC\",\"request_token\":\"" "0123456789abcdef0123456789abcdef0123456g" "\"}", &t, &why) != 0,
	      "a non-hex token is refused: %s", why);
	CHECK(parse_token("{\"success\":false,\"expires_at\":\"2026-01-01 00:00:00 UTC\",\"request_token\":\"" TOKEN40 "\"}", &t, &why) != 0,
	      "success:false refused");
	CHECK(parse_token("{\"success\":true,\"request_token\":\"" TOKEN40 "\"}", &t, &why) != 0, "missing expires_at refused");
	CHECK(parse_token("{\"success\":true,\"expires_at\":\"2026-01-01 00:00:00 UTC\",\"request_token\":\"" TOKEN40 "\",\"request_token\":\"" TOKEN40 "\"}", &t, &why) != 0 &&
	      strstr(why, "duplicate"), "duplicate key refused: %s", why);
	CHECK(parse_token("{\"success\":\"true\",\"expires_at\":\"2026-01-01 00:00:00 UTC\",\"request_token\":\"" TOKEN40 "\"}", &t, &why) != 0,
	      "wrong type refused: %s", why);
	CHECK(parse_token("[1,2]", &t, &why) != 0, "an array is not an object: %s", why);
	CHECK(parse_token("{\"success\":true", &t, &why) != 0, "truncated JSON refused: %s", why);
	CHECK(parse_token("<html>oops</html>", &t, &why) != 0, "HTML refused: %s", why);
	CHECK(parse_token("{} {}", &t, &why) != 0, "two values refused: %s", why);
	CHECK(parse_token("null", &t, &why) != 0, "null refused: %s", why);
}

static void test_nesting(void)
{
	char deep[2 * JSON_MAX_DEPTH + 64];
	struct jf_field f[] = { { .name = "x", .type = JF_INT } };
	const char *why = "";
	size_t n = 0;
	deep[n++] = '{';
	memcpy(deep + n, "\"a\":", 4);
	n += 4;
	for (int i = 0; i < JSON_MAX_DEPTH + 5; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSON_MAX_DEPTH + 5; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	CHECK(json_fields_parse(deep, n, f, 1, &why) != 0 && strstr(why, "deep"), "deep nesting refused: %s", why);
	CHECK(json_fields_parse(S("{\"x\":1,\"y\":{\"x\":\"s\"}}"), f, 1, &why) == 0 && f[0].num == 1,
	      "nested keys of the same name are not the top-level one");
	json_fields_clear(f, 1);
	{
		struct jf_field s[] = { { .name = "s", .type = JF_STRING } };
		const char nul[] = "{\"s\":\"a\\u0000b\"}";
		const char bad_utf8[] = "{\"s\":\"a\xff\"}";
		CHECK(json_fields_parse(nul, strlen(nul), s, 1, &why) != 0, "embedded NUL refused: %s", why);
		CHECK(json_fields_parse(bad_utf8, strlen(bad_utf8), s, 1, &why) != 0, "invalid UTF-8 refused: %s", why);
		CHECK(json_fields_parse(S("{\"s\":\"\\udc00x\"}"), s, 1, &why) != 0, "lone surrogate refused: %s", why);
		CHECK(json_fields_parse(S("{\"s\":\"\\ud83c\\udfac\"}"), s, 1, &why) == 0 && strcmp(s[0].str, "\xf0\x9f\x8e\xac") == 0,
		      "a surrogate pair is one character");
		json_fields_clear(s, 1);
		CHECK(json_fields_parse(S("{\"s\":null}"), s, 1, &why) == 0 && s[0].is_null && s[0].str == NULL, "null is reported");
		json_fields_clear(s, 1);
	}
}

static void test_session_account_error(void)
{
	char *sid = NULL;
	const char *why = "";
	struct tmdb_account a = { 0 };
	struct tmdb_error e;
	const char *acct = "{\"avatar\":{\"gravatar\":{\"hash\":\"x\"},\"tmdb\":{\"avatar_path\":null}},\"id\":6089455,"
			   "\"iso_639_1\":\"en\",\"name\":\"Test Name\",\"include_adult\":false,\"username\":\"TMDbTestAccount\"}";

	CHECK(tmdb_parse_session("{\"success\":true,\"session_id\":\"" TOKEN40 "\"}", 72, &sid, &why) == 0 && sid && strcmp(sid, TOKEN40) == 0,
	      "session parses (%s)", why);
	wipe_free_str(sid);
	sid = NULL;
	CHECK(tmdb_parse_session(S("{\"success\":true,\"session_id\":\"a/b\"}"), &sid, &why) != 0 && sid == NULL, "odd session id refused");
	CHECK(tmdb_parse_session(S("{\"success\":true,\"session_id\":\"\"}"), &sid, &why) != 0, "empty session id refused");
	CHECK(tmdb_parse_account(acct, strlen(acct), &a, &why) == 0 && a.id == 6089455 && strcmp(a.username, "TMDbTestAccount") == 0,
	      "account parses (%s)", why);
	tmdb_account_clear(&a);
	CHECK(tmdb_parse_account(S("{\"id\":1.5,\"username\":\"x\"}"), &a, &why) != 0, "fractional id refused");
	CHECK(tmdb_parse_account(S("{\"id\":-3,\"username\":\"x\"}"), &a, &why) != 0, "negative id refused");
	CHECK(tmdb_parse_account(S("{\"id\":3,\"username\":\"a\\nb\"}"), &a, &why) != 0, "control character in username refused");
	CHECK(tmdb_parse_error(S("{\"success\":false,\"failure\":true,\"status_code\":17,\"status_message\":\"Session denied.\"}"), &e) == 0 &&
	      e.status_code == 17 && strcmp(e.message, "Session denied.") == 0, "error with failure:true: %ld %s", e.status_code, e.message);
	CHECK(tmdb_parse_error(S("{\"status_code\":7,\"status_message\":\"Invalid API key\"}"), &e) == 0 && e.status_code == 7,
	      "error without success");
	CHECK(tmdb_parse_error(S("{\"status_code\":34,\"status_message\":\"\\u001b[31mred\\r\\nline\"}"), &e) == 0 &&
	      strchr(e.message, '\x1b') == NULL && strchr(e.message, '\n') == NULL, "control characters stripped: %s", e.message);
	CHECK(tmdb_parse_error(S("oops"), &e) != 0, "non-JSON error body");
}

static void test_time(void)
{
	CHECK(tmdb_parse_time("2026-11-28 10:11:12 UTC") == 1795860672, "time parses");
	CHECK(tmdb_parse_time("2026-11-28 10:11:12") == -1, "no UTC suffix refused");
	CHECK(tmdb_parse_time("2026-13-28 10:11:12 UTC") == -1, "month 13 refused");
	CHECK(tmdb_parse_time("2026-11-28T10:11:12 UTC") == -1, "ISO T refused");
	CHECK(tmdb_parse_time("") == -1 && tmdb_parse_time(NULL) == -1, "empty refused");
	CHECK(tmdb_parse_time("2026-01-01 -1: 0:+9 UTC") == -1, "signs and blanks refused");
	CHECK(tmdb_parse_time("2026-02-31 00:00:00 UTC") == -1, "February 31st refused");
	CHECK(tmdb_parse_time("2024-02-29 00:00:00 UTC") == 1709164800, "a leap day parses");
	CHECK(tmdb_parse_time("1970-01-01 00:00:-1 UTC") == -1, "negative second refused");
}

static void test_text(void)
{
	char out[16];
	CHECK(text_sanitize(out, sizeof(out), "a\x1b[2Jb\r\nc", 9) == 6 && strcmp(out, "a[2Jbc") == 0, "C0 removed: %s", out);
	CHECK(text_sanitize(out, sizeof(out), "\xc2\x9b" "x", 3) == 1 && strcmp(out, "x") == 0, "C1 removed");
	CHECK(text_sanitize(out, sizeof(out), "caf\xc3\xa9", 5) == 5 && strcmp(out, "caf\xc3\xa9") == 0, "UTF-8 kept");
	CHECK(text_sanitize(out, sizeof(out), "\xff\xfe", 2) == 2 && strcmp(out, "??") == 0, "invalid UTF-8 replaced");
	CHECK(text_sanitize(out, sizeof(out), "0123456789abcdefghij", 20) < sizeof(out) && strstr(out, "...") != NULL,
	      "long text capped: %s", out);
	CHECK(text_sanitize(out, 4, "\xe2\x82\xac\xe2\x82\xac", 6) <= 3, "never splits a character past the cap: %s", out);
}

static void test_cache_names(void)
{
	char name[CACHE_NAME_MAX + 1];
	char longuser[300];
	CHECK(cache_entry_name("alice", name, sizeof(name)) == 0 && strcmp(name, "alice") == 0, "plain name kept");
	CHECK(cache_entry_name("../../etc/passwd", name, sizeof(name)) == 0 && strchr(name, '/') == NULL && name[0] != '.',
	      "traversal encoded: %s", name);
	CHECK(cache_entry_name("..", name, sizeof(name)) == 0 && strcmp(name, "%2E.") == 0, ".. encoded: %s", name);
	CHECK(cache_entry_name("a b%\n", name, sizeof(name)) == 0 && strcmp(name, "a%20b%25%0A") == 0, "space, %% and newline: %s", name);
	CHECK(cache_entry_name("user@EXAMPLE.COM", name, sizeof(name)) == 0 && strcmp(name, "user%40EXAMPLE.COM") == 0, "realm: %s", name);
	memset(longuser, 'x', sizeof(longuser) - 1);
	longuser[sizeof(longuser) - 1] = '\0';
	CHECK(cache_entry_name(longuser, name, sizeof(name)) == -1, "too long refused");
	CHECK(cache_entry_name("", name, sizeof(name)) == -1, "empty refused");
}

static void test_cache_format(void)
{
	char sid[] = TOKEN40, user[] = "Alice Smith";
	struct tmdb_session s = { .session_id = sid, .account_id = 42, .username = user };
	struct tmdb_session back;
	char *text = cache_format(&s);
	CHECK(text != NULL && cache_parse(text, strlen(text), &back) == 0, "round trip");
	CHECK(strcmp(back.session_id, TOKEN40) == 0 && back.account_id == 42 && strcmp(back.username, "Alice Smith") == 0, "values survive");
	session_clear(&back);
	CHECK(cache_parse(text, strlen(text) - 1, &back) != 0, "truncated file refused");
	text[0] = 'P';
	CHECK(cache_parse(text, strlen(text), &back) != 0, "foreign magic refused");
	wipe_free_str(text);
	CHECK(cache_parse(S("pam_tmdb-cache 1\nsession_id x\naccount_id 0\naccount_username a\n"), &back) != 0, "id 0 refused");
	CHECK(cache_parse(S("pam_tmdb-cache 1\nsession_id x\naccount_id 1\n"), &back) != 0, "missing line refused");
	CHECK(cache_parse(S("pam_tmdb-cache 1\naccount_id 1\nsession_id x\naccount_username a\n"), &back) != 0, "wrong order refused");
	CHECK(cache_parse(S("pam_tmdb-cache 1\nsession_id x\naccount_id 1\naccount_username a\nextra 1\n"), &back) != 0, "extra line refused");
	CHECK(cache_parse(S("pam_tmdb-cache 1\nsession_id x\naccount_id 1\naccount_username a\n"), &back) == 0, "minimal file parses");
	session_clear(&back);
}

/* v4 cache files that must not parse (each one line away from a good one). */
static const struct {
	const char *what, *text;
} v4_refused[] = {
	{ "format 2 without its v4 lines", "pam_tmdb-cache 2\nsession_id x\naccount_id 1\naccount_username a\n" },
	{ "v4 lines under format 1",
	  "pam_tmdb-cache 1\nsession_id x\naccount_id 1\naccount_username a\naccess_token a.b\naccount_object_id x\n" },
	{ "an access token with a space",
	  "pam_tmdb-cache 2\nsession_id x\naccount_id 1\naccount_username a\naccess_token a b\naccount_object_id x\n" },
	{ "an object id with a dot",
	  "pam_tmdb-cache 2\nsession_id x\naccount_id 1\naccount_username a\naccess_token a.b\naccount_object_id x.y\n" },
	{ "v4 lines in the wrong order",
	  "pam_tmdb-cache 2\nsession_id x\naccount_id 1\naccount_username a\naccount_object_id x\naccess_token a.b\n" },
};

static void test_cache_format_v4(void)
{
	char sid[] = TOKEN40, user[] = "alice", tok[] = JWT, oid[] = OID;
	struct tmdb_session s = { .session_id = sid, .account_id = 1001, .username = user, .access_token = tok,
				  .account_object_id = oid };
	struct tmdb_session back;
	char *text = cache_format(&s);
	CHECK(text != NULL && strncmp(text, "pam_tmdb-cache 2\n", 17) == 0, "a v4 entry has format 2");
	CHECK(text != NULL && cache_parse(text, strlen(text), &back) == 0, "v4 round trip");
	CHECK(strcmp(back.access_token, JWT) == 0 && strcmp(back.account_object_id, OID) == 0 &&
		      strcmp(back.session_id, TOKEN40) == 0 && back.account_id == 1001,
	      "v4 values survive");
	session_clear(&back);
	wipe_free_str(text);
	CHECK(cache_parse(S("pam_tmdb-cache 1\nsession_id x\naccount_id 1\naccount_username a\n"), &back) == 0 &&
		      back.access_token == NULL && back.account_object_id == NULL,
	      "a v3 entry is still read, without a v4 part");
	session_clear(&back);
	for (size_t i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++)
		CHECK(cache_parse(S(v4_refused[i].text), &back) != 0, "%s refused", v4_refused[i].what);
	CHECK(cache_parse(S("pam_tmdb-cache 2\nsession_id x\naccount_id 1\naccount_username a\naccess_token a.b\n"
			    "account_object_id x\n"), &back) == 0,
	      "minimal v4 file parses");
	session_clear(&back);
}

static void test_v4_answers(void)
{
	char *tok = NULL, *acc = NULL, *oid = NULL;
	const char *why = NULL;

	CHECK(tmdb_v4_parse_request_token(S("{\"status_message\":\"Success.\",\"request_token\":\"" JWT
					    "\",\"success\":true,\"status_code\":1}"), &tok, &why) == 0 &&
		      strcmp(tok, JWT) == 0,
	      "request token");
	wipe_free_str(tok);
	CHECK(tmdb_v4_parse_request_token(S("{\"request_token\":\"" JWT "\",\"success\":true}"), &tok, &why) == 0,
	      "status_code may be absent");
	wipe_free_str(tok);
	CHECK(tmdb_v4_parse_request_token(S("{\"request_token\":\"" JWT "\",\"success\":true,\"status_code\":41}"),
					  &tok, &why) != 0 && tok == NULL && strstr(why, "status_code"),
	      "a 200 that says status 41 refused: %s", why);
	CHECK(tmdb_v4_parse_request_token(S("{\"request_token\":\"a/b\",\"success\":true}"), &tok, &why) != 0 &&
		      tok == NULL,
	      "a token with a slash refused");
	CHECK(tmdb_v4_parse_request_token(S("{\"request_token\":\"" JWT "\",\"success\":false}"), &tok, &why) != 0,
	      "success false refused");
	CHECK(tmdb_v4_parse_access_token(S("{\"account_id\":\"" OID "\",\"access_token\":\"" JWT
					   "\",\"success\":true,\"status_message\":\"Success.\",\"status_code\":1}"),
					 &acc, &oid, &why) == 0 &&
		      strcmp(acc, JWT) == 0 && strcmp(oid, OID) == 0,
	      "access token and v4 account id");
	wipe_free_str(acc);
	free(oid);
	CHECK(tmdb_v4_parse_access_token(S("{\"account_id\":1001,\"access_token\":\"" JWT "\",\"success\":true}"),
					 &acc, &oid, &why) != 0 && acc == NULL && oid == NULL,
	      "an integer account_id (v3's) refused");
	CHECK(tmdb_v4_parse_access_token(S("{\"account_id\":\"" OID "\",\"success\":true}"), &acc, &oid, &why) != 0 &&
		      acc == NULL && oid == NULL,
	      "no access token refused");
	CHECK(tmdb_v4_is_token(JWT) && !tmdb_v4_is_token("") && !tmdb_v4_is_token("a b") && !tmdb_v4_is_token("a\"b"),
	      "token shape");
	{
		char big[TMDB_V4_TOKEN_MAX + 2];
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK(!tmdb_v4_is_token(big), "a token longer than %d refused", TMDB_V4_TOKEN_MAX);
		big[TMDB_V4_TOKEN_MAX] = '\0';
		CHECK(tmdb_v4_is_token(big), "a token of %d accepted", TMDB_V4_TOKEN_MAX);
	}
	CHECK(tmdb_v4_is_object_id(OID) && !tmdb_v4_is_object_id("a.b") && !tmdb_v4_is_object_id(""), "object id shape");
}

static void test_user_map(void)
{
	const char *map = "# local tmdb\nalice  TMDbAlice\n\nbob\tbobby # comment\n";
	char *name = NULL;
	CHECK(user_map_lookup(map, strlen(map), "alice", &name) == 0 && strcmp(name, "TMDbAlice") == 0, "alice mapped");
	free(name);
	CHECK(user_map_lookup(map, strlen(map), "bob", &name) == 0 && strcmp(name, "bobby") == 0, "tab and comment");
	free(name);
	CHECK(user_map_lookup(map, strlen(map), "Alice", &name) == 1 && name == NULL, "local names are case-sensitive");
	CHECK(user_map_lookup(S("alice\n"), "alice", &name) == -1, "a line without a TMDb name is malformed");
	CHECK(user_map_lookup(S("a b c\n"), "a", &name) == -1, "three fields is malformed");
	CHECK(user_map_lookup(S("alice #1001\n"), "alice", &name) == 0 && strcmp(name, "#1001") == 0, "an account id");
	free(name);
	CHECK(user_map_lookup(S("alice #1001 # comment\n"), "alice", &name) == 0 && strcmp(name, "#1001") == 0,
	      "an account id and a comment");
	free(name);
	CHECK(user_map_lookup(S("   # alice bob\n"), "alice", &name) == 1, "a comment line after blanks");
	CHECK(user_map_lookup(S("alice #01\n"), "alice", &name) == -1, "an id with a leading zero is malformed");
	CHECK(user_map_lookup(S("alice #x1\n"), "alice", &name) == -1, "an id that is not a number is malformed");
	CHECK(user_map_lookup(S("alice #\n"), "alice", &name) == -1, "an empty id is malformed");
	CHECK(user_map_lookup(S("alice #1234567890123456789\n"), "alice", &name) == -1, "an id of 19 digits is malformed");
	{
		unsigned bad = 0;
		CHECK(user_map_lookup_at(S("# c\nalice alice\n\nbob\ncarol carol\n"), "carol", &name, &bad) == -1 && bad == 4,
		      "the malformed line is numbered (line 4)");
		CHECK(user_map_lookup_at(S("alice alice\nbob bob extra\n"), "alice", &name, &bad) == 0 && bad == 0,
		      "a malformed line after the user's is not read for that user");
		free(name);
		name = NULL;
		CHECK(user_map_lookup_at(S("alice alice\nbob bob extra\n"), NULL, &name, &bad) == -1 && bad == 2,
		      "a NULL user checks the whole map");
		CHECK(user_map_lookup_at(S("alice alice\n"), NULL, &name, &bad) == 1 && bad == 0 && name == NULL,
		      "a sound map, checked whole");
		CHECK(user_map_lookup_at("a a\nb\0b\n", 8, "b", &name, &bad) == -1 && bad == 2, "a NUL byte's line");
	}
}

int main(void)
{
	test_token();
	test_nesting();
	test_session_account_error();
	test_time();
	test_text();
	test_cache_names();
	test_cache_format();
	test_cache_format_v4();
	test_v4_answers();
	test_user_map();
	CHECK_DONE();
}
