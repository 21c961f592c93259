/* SPDX-License-Identifier: BSD-3-Clause */
/* The enrolment record's text (module/enrol_record.h): what a hostile TMDb username becomes,
 * the strict parser, the limit of 8, the names that may name a record. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "enrol_record.h"

static size_t count_char(const char *s, size_t n, char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

static int parse_str(const char *text, struct enrol_record *r)
{
	return enrol_record_parse(text, strlen(text), r);
}

/* One account with the given raw username: the record is one line, bound by that id. */
static void hostile_name(const char *what, const char *raw, size_t len)
{
	struct enrol_record r = { 0 }, back;
	char text[ENROL_RECORD_MAX_BYTES + 1];
	size_t n;

	CHECK(enrol_record_add(&r, 1001, raw, len) == 0, "%s: added", what);
	n = enrol_record_format(&r, text, sizeof(text));
	CHECK(count_char(text, n, '\n') == 1 && text[n - 1] == '\n', "%s: one line", what);
	CHECK(count_char(text, n, '#') == 1 && strncmp(text, "#1001 ", 6) == 0, "%s: one id, first", what);
	CHECK(count_char(text, n, ' ') == 1, "%s: one space", what);
	for (size_t i = 0; i < n - 1; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f) {
			CHECK(0, "%s: byte %zu is 0x%02x", what, i, (unsigned char)text[i]);
			break;
		}
	CHECK(n <= ENROL_LINE_MAX, "%s: %zu bytes", what, n);
	CHECK(enrol_record_parse(text, n, &back) == 0 && back.n == 1 && back.a[0].id == 1001, "%s: parses back", what);
}

static void test_hostile_names(void)
{
	char big[10000];
	memset(big, 'a', sizeof(big));
	hostile_name("newline", "alice\n#6089455 mallory", strlen("alice\n#6089455 mallory"));
	hostile_name("hash and spaces", "#6089455 x # y", strlen("#6089455 x # y"));
	hostile_name("control characters", "a\x01\x1b[2J\x7f\r\tb", 10);
	hostile_name("NUL", "a\0#2 b", 6);
	hostile_name("backslash", "a\\x23b", 6);
	hostile_name("UTF-8 and C1", "\xc3\xa9\xc2\x85\xc2\x9b", 6);
	hostile_name("10,000 bytes", big, sizeof(big));
	hostile_name("empty", "", 0);
	{
		struct enrol_record r = { 0 };
		enrol_record_add(&r, 7, "a b#c\\\n", 7);
		CHECK(strcmp(r.a[0].name, "a\\x20b\\x23c\\x5c\\x0a") == 0, "escaped: %s", r.a[0].name);
		enrol_record_add(&r, 8, big, sizeof(big));
		CHECK(strlen(r.a[1].name) == ENROL_NAME_KEPT + 3 && strcmp(r.a[1].name + ENROL_NAME_KEPT, "...") == 0,
		      "a long name is cut");
	}
}

static void test_parser_is_strict(void)
{
	struct enrol_record r;
	static const char *const bad[] = {
		"#1001 alice",                  /* no final newline */
		"#1001 alice\n\n",              /* an empty line */
		"1001 alice\n",                 /* no '#' */
		"#01001 alice\n",               /* a leading zero */
		"#0 alice\n",
		"#-5 alice\n",
		"#1001\n",                      /* no name */
		"#1001 \n",                     /* an empty name */
		"#1001 ali ce\n",               /* a second space */
		"#1001 ali#ce\n",               /* a raw '#' */
		"#1001 ali\\ce\n",              /* a raw backslash */
		"#1001 ali\\x4\n",              /* a short escape */
		"#1001 ali\\x4G\n",
		"#1001 ali\\X41\n",
		"#1001 ali\tce\n",
		"#1001 alice\r\n",
		"#1001 alice\n#1001 bob\n",     /* a duplicate id */
		"#1234567890123456789 alice\n", /* 19 digits */
		" #1001 alice\n",
		"#1001 alice\n#1002 bob",
		"#1001 al\0ce\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse_str(bad[i], &r) == -1 && r.n == 0, "refused: \"%s\"", bad[i]);
	CHECK(enrol_record_parse("#1001 al\0ce\n", 12, &r) == -1, "a NUL byte refused");
	CHECK(parse_str("", &r) == 0 && r.n == 0, "empty: no accounts");
	CHECK(parse_str("#1001 alice\n#6089455 TMDbTestAccount\n", &r) == 0 && r.n == 2 && r.a[1].id == 6089455 &&
	      strcmp(r.a[1].name, "TMDbTestAccount") == 0, "two accounts");
	CHECK(parse_str("#123456789012345678 a\\x20b\n", &r) == 0 && r.a[0].id == 123456789012345678LL, "18 digits");
}

static void test_limit_of_eight(void)
{
	struct enrol_record r = { 0 }, back;
	char text[ENROL_RECORD_MAX_BYTES + 1], big[300];
	size_t n;

	memset(big, '\n', sizeof(big)); /* the longest escaped names */
	for (long long id = 1; id <= ENROL_MAX_ACCOUNTS; id++)
		CHECK(enrol_record_add(&r, 100000000000000000LL + id, big, sizeof(big)) == 0, "account %lld added", id);
	CHECK(enrol_record_add(&r, 999, "x", 1) == -1 && r.n == ENROL_MAX_ACCOUNTS, "a ninth is refused");
	CHECK(enrol_record_add(&r, 100000000000000001LL, "x", 1) == 1, "the same id again: nothing changes");
	n = enrol_record_format(&r, text, sizeof(text));
	CHECK(n <= ENROL_RECORD_MAX_BYTES && count_char(text, n, '\n') == ENROL_MAX_ACCOUNTS, "the largest record fits");
	CHECK(enrol_record_parse(text, n, &back) == 0 && back.n == ENROL_MAX_ACCOUNTS, "and parses back");
	memcpy(text + n, "#5 x\n", 6);
	CHECK(enrol_record_parse(text, n + 5, &back) == -1, "nine lines refused");
	CHECK(enrol_record_add(&r, 0, "x", 1) == -1, "id 0 refused");
}

static void test_user_names(void)
{
	char longname[ENROL_USER_MAX + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(enrol_user_name_ok("alice") && enrol_user_name_ok("a.b-c_d@example.org"), "plain names");
	CHECK(!enrol_user_name_ok("../x") && !enrol_user_name_ok("a/b") && !enrol_user_name_ok("/etc"), "no '/'");
	CHECK(!enrol_user_name_ok(".hidden") && !enrol_user_name_ok(".") && !enrol_user_name_ok(".."), "no leading '.'");
	CHECK(!enrol_user_name_ok("") && !enrol_user_name_ok("a b") && !enrol_user_name_ok("a\nb"), "no blanks");
	CHECK(!enrol_user_name_ok(longname), "no longer than %d bytes", ENROL_USER_MAX);
	longname[ENROL_USER_MAX] = '\0';
	CHECK(enrol_user_name_ok(longname), "%d bytes", ENROL_USER_MAX);
}

int main(void)
{
	test_hostile_names();
	test_parser_is_strict();
	test_limit_of_eight();
	test_user_names();
	CHECK_DONE();
}
