/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_return_request.c — return_judge (login/return_request.c): the one HTTP request of the
 * browser coming back to tmdb-login's loopback listener, which anyone on the machine can send.
 * Links login/return_request.c alone (no module, no libpam).
 *
 * Input format: the bytes the listener read, as they are. Each input is judged for the path
 * the listener makes and with this login's request token, and again without a token (the
 * approval URL showed none), each on an exact-size copy so that ASan sees any over-read.
 *
 * Checked:
 *   - the verdict is one of the enum's, *why is a non-empty reason, return_status agrees
 *     with the verdict (200 exactly for approved and denied);
 *   - the end of the header (the first "\n\n" or "\r\n\r\n") decides: without one, the
 *     verdict is RETURN_INCOMPLETE below RETURN_MAX_REQUEST bytes and RETURN_TOO_LARGE from
 *     there; with one past RETURN_MAX_REQUEST, RETURN_TOO_LARGE; else a final verdict;
 *   - the verdict does not change once the header has ended, whatever follows (the listener
 *     judges every longer prefix it reads), and every shorter prefix is still incomplete;
 *   - APPROVED/DENIED exactly when a model, written apart from the code, finds the one shape
 *     the man page promises: the request line is "GET <path>?<query> HTTP/1.1" (or 1.0), no
 *     NUL in the header, the query has only name=value parameters, exactly one request_token
 *     of token characters (this login's, when it is known) and exactly one of approved=true
 *     and denied=true, and no other value for those two;
 *   - 405 only when the method is not GET, 404 only for a GET whose target's path is not the
 *     listener's;
 *   - the token only narrows: with it, a request is accepted only if it is accepted without
 *     it, with the same verdict; whatever is refused without it is refused the same way with it;
 *     an accepted request refused with the token is a 400 naming another request_token. */
#include "../login/return_request.h"

#include "fuzz_util.h"

#define PATH "/tmdb-login/0123456789abcdef0123456789abcdef"
#define TOKEN "7d3ac5e0b1f24a6c9e8d0f1a2b3c4d5e6f708192"

static enum return_verdict judge(const uint8_t *data, size_t n, const char *token, const char **why)
{
	char *copy = fuzz_copy(data, n);
	enum return_verdict v;

	*why = NULL;
	v = return_judge(copy, n, PATH, token, why);
	free(copy);
	return v;
}

/* Where the header ends (just after the blank line), or 0. */
static size_t model_header_end(const uint8_t *d, size_t n)
{
	for (size_t e = 2; e <= n; e++) {
		if (d[e - 1] == '\n' && d[e - 2] == '\n')
			return e;
		if (e >= 4 && memcmp(d + e - 4, "\r\n\r\n", 4) == 0)
			return e;
	}
	return 0;
}

static bool token_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 1024 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

/* The request line of a header without NUL bytes, as a string (without its CR LF). */
static char *request_line(const uint8_t *d, size_t end)
{
	size_t n = (size_t)((const uint8_t *)memchr(d, '\n', end) - d);
	if (n > 0 && d[n - 1] == '\r')
		n--;
	return fuzz_strndup(d, n);
}

/* The model: RETURN_APPROVED or RETURN_DENIED for the promised shape, else RETURN_BAD. */
static enum return_verdict model_accepts(const char *line, const char *token)
{
	const char *version, *rest;
	char *query, *param, *amp = NULL;
	const char *tok = NULL;
	int tokens = 0, approved = 0, denied = 0;
	bool ok = true;
	size_t qn;

	if (strncmp(line, "GET " PATH "?", strlen("GET " PATH "?")) != 0)
		return RETURN_BAD;
	rest = line + strlen("GET " PATH "?");
	version = strchr(rest, ' ');
	if (version == NULL || (strcmp(version, " HTTP/1.1") != 0 && strcmp(version, " HTTP/1.0") != 0))
		return RETURN_BAD;
	qn = (size_t)(version - rest);
	query = fuzz_strndup((const uint8_t *)rest, qn);
	/* an empty parameter ("&a", "a&&b") has no '='; one '&' at the very end is taken as
	 * nothing after it, as return_request.c does */
	for (param = query; ok && param != NULL && *param != '\0'; param = amp ? amp + 1 : NULL) {
		char *eq;
		amp = strchr(param, '&');
		if (amp != NULL)
			*amp = '\0';
		eq = strchr(param, '=');
		if (eq == NULL) {
			ok = false;
			break;
		}
		*eq = '\0';
		if (strcmp(param, "request_token") == 0) {
			tokens++;
			tok = eq + 1;
		} else if (strcmp(param, "approved") == 0) {
			ok = strcmp(eq + 1, "true") == 0;
			approved++;
		} else if (strcmp(param, "denied") == 0) {
			ok = strcmp(eq + 1, "true") == 0;
			denied++;
		}
	}
	ok = ok && tokens == 1 && token_ok(tok) && approved + denied == 1 &&
	     (token == NULL || strcmp(tok, token) == 0);
	free(query);
	if (!ok)
		return RETURN_BAD;
	return approved ? RETURN_APPROVED : RETURN_DENIED;
}

static bool accepted(enum return_verdict v)
{
	return v == RETURN_APPROVED || v == RETURN_DENIED;
}

static void check_one(const uint8_t *data, size_t size, const char *token)
{
	const char *why, *status;
	enum return_verdict v = judge(data, size, token, &why);
	size_t end = model_header_end(data, size);

	FUZZ_CHECK(v >= RETURN_INCOMPLETE && v <= RETURN_TOO_LARGE, "verdict %d", (int)v);
	FUZZ_CHECK(why != NULL && *why != '\0', "no reason for verdict %d", (int)v);
	status = return_status(v);
	FUZZ_CHECK(status != NULL && (strncmp(status, "200 ", 4) == 0) == accepted(v), "status %s for %d",
		   status ? status : "(null)", (int)v);
	FUZZ_CHECK(v != RETURN_NOT_FOUND || strncmp(status, "404 ", 4) == 0, "404: %s", status);
	FUZZ_CHECK(v != RETURN_BAD_METHOD || strncmp(status, "405 ", 4) == 0, "405: %s", status);
	FUZZ_CHECK(v != RETURN_TOO_LARGE || strncmp(status, "431 ", 4) == 0, "431: %s", status);

	if (end == 0) {
		FUZZ_CHECK(v == (size >= RETURN_MAX_REQUEST ? RETURN_TOO_LARGE : RETURN_INCOMPLETE),
			   "no header end in %zu bytes, verdict %d (%s)", size, (int)v, why);
		return;
	}
	if (end > RETURN_MAX_REQUEST) {
		FUZZ_CHECK(v == RETURN_TOO_LARGE, "a %zu-byte header judged %d (%s)", end, (int)v, why);
		return;
	}
	FUZZ_CHECK(v != RETURN_INCOMPLETE && v != RETURN_TOO_LARGE,
		   "a whole %zu-byte header judged %d (%s)", end, (int)v, why);

	/* the verdict is the header's: the listener may have read it in any number of pieces */
	if (end < size) {
		const char *why2;
		FUZZ_CHECK(judge(data, end, token, &why2) == v, "the header alone is judged otherwise");
	}
	if (end > 1) {
		const char *why2;
		FUZZ_CHECK(judge(data, end - 1, token, &why2) == RETURN_INCOMPLETE,
			   "a header without its last byte is final (%s)", why2);
	}

	if (memchr(data, '\0', end) != NULL) {
		FUZZ_CHECK(v == RETURN_BAD, "a NUL in the header, verdict %d (%s)", (int)v, why);
		return;
	}
	{
		char *line = request_line(data, end);
		enum return_verdict want = model_accepts(line, token);
		size_t path_n;
		const char *target, *q, *sp;

		if (accepted(want) || accepted(v))
			FUZZ_CHECK(v == want, "\"%s\": verdict %d (%s), the model says %d", line, (int)v, why,
				   (int)want);
		if (v == RETURN_BAD_METHOD)
			FUZZ_CHECK(strncmp(line, "GET ", 4) != 0, "405 for a GET: \"%s\"", line);
		if (v == RETURN_NOT_FOUND) {
			FUZZ_CHECK(strncmp(line, "GET ", 4) == 0, "404 for no GET: \"%s\"", line);
			target = line + 4;
			sp = strchr(target, ' ');
			FUZZ_CHECK(sp != NULL, "404 without a version: \"%s\"", line);
			q = memchr(target, '?', (size_t)(sp - target));
			path_n = (size_t)((q ? q : sp) - target);
			FUZZ_CHECK(path_n != strlen(PATH) || memcmp(target, PATH, path_n) != 0,
				   "404 for the listener's path: \"%s\"", line);
		}
		free(line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why_t, *why_n;
	enum return_verdict with, without;

	check_one(data, size, TOKEN);
	check_one(data, size, NULL);

	with = judge(data, size, TOKEN, &why_t);
	without = judge(data, size, NULL, &why_n);
	if (accepted(with))
		FUZZ_CHECK(without == with, "accepted with the token (%d), %d without", (int)with, (int)without);
	if (!accepted(without))
		FUZZ_CHECK(with == without, "refused without the token (%d), %d with it", (int)without, (int)with);
	if (accepted(without) && !accepted(with))
		FUZZ_CHECK(with == RETURN_BAD && strstr(why_t, "request_token") != NULL,
			   "another token: %d (%s)", (int)with, why_t);
	return 0;
}
