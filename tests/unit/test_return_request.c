/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of return_judge (login/return_request.h): the one request of the browser coming
 * back to tmdb-login's loopback listener. The expected verdicts are what tmdb-login(1) and
 * return_request.h promise: exactly GET <path>?request_token=TOKEN&approved=true (or
 * denied=true) over HTTP/1.0 or 1.1 is taken; anything else gets 400, 404 (not the path),
 * 405 (not GET) or 431 (more than 4096 bytes); a header that has not ended is read on.
 * The e2e tests (test_tmdb_login.py) send some of the same requests to the real listener. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "return_request.h"

/* what the listener makes: /tmdb-login/ and 128 random bits in hex */
#define P "/tmdb-login/0123456789abcdef0123456789abcdef"
#define T "7d3ac5e0b1f24a6c9e8d0f1a2b3c4d5e6f708192"
#define OTHER "ffffffffffffffffffffffffffffffffffffffff"
#define V4 "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZXMiOltdfQ.c2lnbmF0dXJl-_"
#define HOST "\r\nHost: 127.0.0.1:41234\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n\r\n"
#define GOOD "request_token=" T "&approved=true"

/* the table's requests may hold NUL bytes: their length is the literal's */
#define R(lit) lit, sizeof(lit) - 1

struct row {
	const char *what;
	const char *req;
	size_t len;
	enum return_verdict with_token; /* judged with this login's token T */
	enum return_verdict without;    /* judged with no token known (NULL) */
};

static const struct row rows[] = {
	{ "approved", R("GET " P "?" GOOD " HTTP/1.1" HOST), RETURN_APPROVED, RETURN_APPROVED },
	{ "denied", R("GET " P "?request_token=" T "&denied=true HTTP/1.1" HOST), RETURN_DENIED, RETURN_DENIED },
	{ "both approved and denied", R("GET " P "?" GOOD "&denied=true HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "neither approved nor denied", R("GET " P "?request_token=" T " HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "approved twice", R("GET " P "?" GOOD "&approved=true HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "no request_token", R("GET " P "?approved=true HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "an empty request_token", R("GET " P "?request_token=&approved=true HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "the token twice", R("GET " P "?request_token=" T "&" GOOD " HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "two different tokens", R("GET " P "?request_token=" OTHER "&" GOOD " HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "another login's token", R("GET " P "?request_token=" OTHER "&approved=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_APPROVED },
	{ "another login's token, denied", R("GET " P "?request_token=" OTHER "&denied=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_DENIED },
	{ "this token without its last character",
	  R("GET " P "?request_token=7d3ac5e0b1f24a6c9e8d0f1a2b3c4d5e6f70819&approved=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_APPROVED },
	{ "this token and one more character", R("GET " P "?request_token=" T "0&approved=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_APPROVED },
	{ "a v4 (JWT-shaped) token", R("GET " P "?request_token=" V4 "&approved=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_APPROVED },
	{ "a percent-encoded token", R("GET " P "?request_token=%37d3ac5e0b1f24a6c9e8d0f1a2b3c4d5e6f708192"
				       "&approved=true HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "a token with a quote", R("GET " P "?request_token=abc'def&approved=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_BAD },

	{ "another path", R("GET /tmdb-login/ffffffffffffffffffffffffffffffff?" GOOD " HTTP/1.1" HOST),
	  RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the root", R("GET /?" GOOD " HTTP/1.1" HOST), RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path and one more character", R("GET " P "x?" GOOD " HTTP/1.1" HOST), RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path and a slash", R("GET " P "/?" GOOD " HTTP/1.1" HOST), RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path and /..", R("GET " P "/..?" GOOD " HTTP/1.1" HOST), RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path without its last character", R("GET /tmdb-login/0123456789abcdef0123456789abcde?" GOOD " HTTP/1.1" HOST),
	  RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path percent-encoded", R("GET /tmdb-login/%30123456789abcdef0123456789abcdef?" GOOD " HTTP/1.1" HOST),
	  RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path's slash percent-encoded", R("GET /tmdb-login%2F0123456789abcdef0123456789abcdef?" GOOD " HTTP/1.1" HOST),
	  RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path in upper case", R("GET /TMDB-LOGIN/0123456789ABCDEF0123456789ABCDEF?" GOOD " HTTP/1.1" HOST),
	  RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "an absolute URL", R("GET http://127.0.0.1:41234" P "?" GOOD " HTTP/1.1" HOST), RETURN_NOT_FOUND, RETURN_NOT_FOUND },
	{ "the path without a query", R("GET " P " HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "the path with an empty query", R("GET " P "? HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },

	{ "POST", R("POST " P "?" GOOD " HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), RETURN_BAD_METHOD, RETURN_BAD_METHOD },
	{ "HEAD", R("HEAD " P "?" GOOD " HTTP/1.1" HOST), RETURN_BAD_METHOD, RETURN_BAD_METHOD },
	{ "a lower-case get", R("get " P "?" GOOD " HTTP/1.1" HOST), RETURN_BAD_METHOD, RETURN_BAD_METHOD },

	{ "HTTP/1.0", R("GET " P "?" GOOD " HTTP/1.0\r\n\r\n"), RETURN_APPROVED, RETURN_APPROVED },
	{ "HTTP/1.1 without any header", R("GET " P "?" GOOD " HTTP/1.1\r\n\r\n"), RETURN_APPROVED, RETURN_APPROVED },
	{ "HTTP/2.0", R("GET " P "?" GOOD " HTTP/2.0" HOST), RETURN_BAD, RETURN_BAD },
	{ "a lower-case version", R("GET " P "?" GOOD " http/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "no version (HTTP/0.9)", R("GET " P "?" GOOD "\r\n\r\n"), RETURN_BAD, RETURN_BAD },
	{ "a blank after the version", R("GET " P "?" GOOD " HTTP/1.1 " HOST), RETURN_BAD, RETURN_BAD },
	{ "two blanks after GET", R("GET  " P "?" GOOD " HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "a blank in the query", R("GET " P "?" GOOD "&x=a b HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "a fragment", R("GET " P "?" GOOD "#top HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "no request line at all", R("\r\n\r\n"), RETURN_BAD, RETURN_BAD },
	{ "not HTTP (a TLS hello)", R("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), RETURN_BAD, RETURN_BAD },

	{ "bare LF line ends", R("GET " P "?" GOOD " HTTP/1.1\nHost: 127.0.0.1\n\n"), RETURN_APPROVED, RETURN_APPROVED },
	{ "CRLF, then a bare LF blank line", R("GET " P "?" GOOD " HTTP/1.1\r\nHost: 127.0.0.1\r\n\n"),
	  RETURN_APPROVED, RETURN_APPROVED },
	{ "no blank line yet", R("GET " P "?" GOOD " HTTP/1.1\r\nHost: 127.0.0.1\r\n"), RETURN_INCOMPLETE, RETURN_INCOMPLETE },
	{ "half of the request line", R("GET " P "?request_tok"), RETURN_INCOMPLETE, RETURN_INCOMPLETE },
	{ "nothing", R(""), RETURN_INCOMPLETE, RETURN_INCOMPLETE },
	{ "CR CR instead of a blank line", R("GET " P "?" GOOD " HTTP/1.1\r\r"), RETURN_INCOMPLETE, RETURN_INCOMPLETE },

	{ "a NUL in a header line", R("GET " P "?" GOOD " HTTP/1.1\r\nHost: 127.0.0.1\0x\r\n\r\n"), RETURN_BAD, RETURN_BAD },
	{ "a NUL in the query", R("GET " P "?" GOOD "\0 HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "a NUL in the method", R("G\0T " P "?" GOOD " HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "bytes after the blank line", R("GET " P "?" GOOD " HTTP/1.1" HOST "\0junk"), RETURN_APPROVED, RETURN_APPROVED },

	{ "approved before the token", R("GET " P "?approved=true&request_token=" T " HTTP/1.1" HOST),
	  RETURN_APPROVED, RETURN_APPROVED },
	{ "denied before the token", R("GET " P "?denied=true&request_token=" T " HTTP/1.1" HOST), RETURN_DENIED, RETURN_DENIED },
	{ "unknown parameters around", R("GET " P "?utm_source=tmdb&" GOOD "&lang=en-US HTTP/1.1" HOST),
	  RETURN_APPROVED, RETURN_APPROVED },
	{ "an unknown parameter with an empty value", R("GET " P "?x=&" GOOD " HTTP/1.1" HOST), RETURN_APPROVED, RETURN_APPROVED },
	{ "a parameter without a value", R("GET " P "?flag&" GOOD " HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "an empty parameter", R("GET " P "?request_token=" T "&&approved=true HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "approved=false", R("GET " P "?request_token=" T "&approved=false HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "approved=false and denied=true", R("GET " P "?request_token=" T "&approved=false&denied=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_BAD },
	{ "approved=true and denied=false", R("GET " P "?" GOOD "&denied=false HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "approved=TRUE", R("GET " P "?request_token=" T "&approved=TRUE HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "approved=1", R("GET " P "?request_token=" T "&approved=1 HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "approved without a value", R("GET " P "?request_token=" T "&approved HTTP/1.1" HOST), RETURN_BAD, RETURN_BAD },
	{ "Approved=true (names are case-sensitive)", R("GET " P "?request_token=" T "&Approved=true HTTP/1.1" HOST),
	  RETURN_BAD, RETURN_BAD },
};

static const char *name(enum return_verdict v)
{
	static const char *const names[] = { "INCOMPLETE", "APPROVED", "DENIED", "BAD", "NOT_FOUND",
					     "BAD_METHOD", "TOO_LARGE" };
	return v >= RETURN_INCOMPLETE && v <= RETURN_TOO_LARGE ? names[v] : "(not a verdict)";
}

/* Judges an exact-size copy, so that a read past the end is a valgrind/ASan error. */
static enum return_verdict judge(const char *req, size_t len, const char *token, const char **why)
{
	char *copy = malloc(len ? len : 1);
	enum return_verdict v;

	if (copy == NULL)
		abort();
	memcpy(copy, req, len);
	*why = NULL;
	v = return_judge(copy, len, P, token, why);
	free(copy);
	return v;
}

static void expect(const char *what, const char *req, size_t len, const char *token, enum return_verdict want)
{
	const char *why;
	enum return_verdict v = judge(req, len, token, &why);
	CHECK(v == want && why != NULL && *why != '\0', "%s, %s: %s (%s)", what,
	      token ? "this login's token" : "no token known", name(v), why ? why : "no reason");
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		expect(rows[i].what, rows[i].req, rows[i].len, T, rows[i].with_token);
		expect(rows[i].what, rows[i].req, rows[i].len, NULL, rows[i].without);
	}
}

/* The reasons the listener logs name what was wrong. */
static void test_reasons(void)
{
	static const struct {
		const char *req, *token, *part;
	} cases[] = {
		{ "GET " P "?request_token=" OTHER "&approved=true HTTP/1.1\r\n\r\n", T, "not this login's" },
		{ "GET " P "?approved=true HTTP/1.1\r\n\r\n", T, "no request_token" },
		{ "GET " P "?request_token=" T "&approved=false HTTP/1.1\r\n\r\n", T, "approved" },
		{ "GET " P "?request_token=" T " HTTP/1.1\r\n\r\n", NULL, "neither" },
		{ "POST " P "?" GOOD " HTTP/1.1\r\n\r\n", T, "GET" },
		{ "GET /x?" GOOD " HTTP/1.1\r\n\r\n", T, "path" },
		{ "GET " P "?" GOOD " HTTP/1.1\r\n\r\n", T, "approved" },
		{ "GET " P "?request_token=" T "&denied=true HTTP/1.1\r\n\r\n", NULL, "denied" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *why;
		(void)judge(cases[i].req, strlen(cases[i].req), cases[i].token, &why);
		CHECK(why != NULL && strstr(why, cases[i].part) != NULL, "the reason names \"%s\": %s", cases[i].part,
		      why ? why : "none");
	}
}

static void test_status_lines(void)
{
	static const struct {
		enum return_verdict v;
		const char *line, *what;
	} lines[] = {
		{ RETURN_APPROVED, "200 OK", "approved: 200" },
		{ RETURN_DENIED, "200 OK", "denied: 200" },
		{ RETURN_BAD, "400 Bad Request", "bad: 400" },
		{ RETURN_NOT_FOUND, "404 Not Found", "not found: 404" },
		{ RETURN_BAD_METHOD, "405 Method Not Allowed", "not GET: 405" },
		{ RETURN_TOO_LARGE, "431 Request Header Fields Too Large", "too large: 431" },
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		CHECK(strcmp(return_status(lines[i].v), lines[i].line) == 0, "%s", lines[i].what);
}

/* A request of n bytes: the approved return with an X-Pad header that fills it; with_end:
 * it ends with the blank line, else it stops in the middle of the padding. */
static char *padded(size_t n, bool with_end)
{
	static const char head[] = "GET " P "?" GOOD " HTTP/1.1\r\nX-Pad: ";
	char *r = malloc(n);

	if (r == NULL)
		abort();
	memcpy(r, head, sizeof head - 1);
	memset(r + sizeof head - 1, 'a', n - (sizeof head - 1));
	if (with_end)
		memcpy(r + n - 4, "\r\n\r\n", 4);
	return r;
}

/* 4096 bytes (RETURN_MAX_REQUEST, "a request larger than 4096 bytes" gets 431) are taken. */
static void test_size_limit(void)
{
	struct {
		size_t n;
		bool with_end;
		enum return_verdict want;
	} cases[] = {
		{ RETURN_MAX_REQUEST - 1, false, RETURN_INCOMPLETE },
		{ RETURN_MAX_REQUEST, false, RETURN_TOO_LARGE },
		{ RETURN_MAX_REQUEST + 100, false, RETURN_TOO_LARGE },
		{ RETURN_MAX_REQUEST, true, RETURN_APPROVED },
		/* a header that ends past the limit is as large, whoever read it (fuzz finding F6) */
		{ RETURN_MAX_REQUEST + 1, true, RETURN_TOO_LARGE },
		{ 3 * RETURN_MAX_REQUEST, true, RETURN_TOO_LARGE },
	};

	CHECK(RETURN_MAX_REQUEST == 4096, "the limit is the man page's 4096 bytes");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = padded(cases[i].n, cases[i].with_end);
		const char *why;
		enum return_verdict v = judge(r, cases[i].n, T, &why);
		CHECK(v == cases[i].want, "%zu bytes %s: %s (%s)", cases[i].n,
		      cases[i].with_end ? "ending with a blank line" : "without a blank line", name(v), why);
		free(r);
	}
}

/* The listener judges what it has read so far after every read: each proper prefix of the
 * return is incomplete, and bytes after the header never change the verdict. */
static void test_prefixes(void)
{
	static const char req[] = "GET " P "?request_token=" T "&denied=true HTTP/1.1" HOST;
	size_t n = sizeof req - 1, early = 0;
	const char *why;
	char *longer;

	for (size_t k = 0; k < n; k++)
		if (judge(req, k, T, &why) != RETURN_INCOMPLETE)
			early++;
	CHECK(early == 0, "every proper prefix of a %zu-byte return is incomplete (%zu were not)", n, early);
	longer = malloc(n + 6);
	if (longer == NULL)
		abort();
	memcpy(longer, req, n);
	memcpy(longer + n, "GET /x", 6);
	CHECK(judge(longer, n + 6, T, &why) == RETURN_DENIED, "a second request after the header is ignored: %s", why);
	free(longer);
}

int main(void)
{
	test_table();
	test_reasons();
	test_status_lines();
	test_size_limit();
	test_prefixes();
	CHECK_DONE();
}
