/* SPDX-License-Identifier: BSD-3-Clause */
/* return_request.c — the browser comes back as GET <path>?request_token=T&approved=true (or
 * denied=true) after the user's decision on TMDb. Anyone on this machine can connect to the
 * loopback port, so this accepts exactly that shape and nothing else; even a perfect forgery
 * only makes the module ask TMDb sooner, because the module never takes the browser's word. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "return_request.h"

#include <stdbool.h>
#include <string.h>

#define MAX_TOKEN 1024

const char *return_status(enum return_verdict v)
{
	switch (v) {
	case RETURN_APPROVED:
	case RETURN_DENIED: return "200 OK";
	case RETURN_NOT_FOUND: return "404 Not Found";
	case RETURN_BAD_METHOD: return "405 Method Not Allowed";
	case RETURN_TOO_LARGE: return "431 Request Header Fields Too Large";
	default: return "400 Bad Request";
	}
}

/* Where the header ends (after the blank line), or NULL. */
static const char *header_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return buf + i + 2;
		if (i + 3 < len && memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return buf + i + 4;
	}
	return NULL;
}

/* Tokens are hex (v3) or JWT-shaped (v4): letters, digits, '-', '_', '.'. Nothing that
 * needs decoding, so the comparison is byte for byte. */
static bool token_chars(const char *s, size_t n)
{
	if (n == 0 || n > MAX_TOKEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* The query: exactly one request_token and exactly one of approved=true / denied=true. */
static enum return_verdict judge_query(const char *q, size_t n, const char *token, const char **why)
{
	const char *tok = NULL;
	size_t tok_n = 0;
	int approved = 0, denied = 0, tokens = 0;
	size_t i = 0;

	while (i < n) {
		size_t end = i, eq;
		while (end < n && q[end] != '&')
			end++;
		for (eq = i; eq < end && q[eq] != '='; eq++)
			;
		if (eq == end) {
			*why = "a query parameter without a value";
			return RETURN_BAD;
		}
		if (is(q + i, eq - i, "request_token")) {
			tok = q + eq + 1;
			tok_n = end - eq - 1;
			tokens++;
		} else if (is(q + i, eq - i, "approved")) {
			if (!is(q + eq + 1, end - eq - 1, "true")) {
				*why = "approved is not \"true\"";
				return RETURN_BAD;
			}
			approved++;
		} else if (is(q + i, eq - i, "denied")) {
			if (!is(q + eq + 1, end - eq - 1, "true")) {
				*why = "denied is not \"true\"";
				return RETURN_BAD;
			}
			denied++;
		}
		/* other parameters are ignored: a browser or TMDb may add some */
		i = end + 1;
	}
	if (tokens != 1 || !token_chars(tok, tok_n)) {
		*why = tokens == 0 ? "no request_token" : "a malformed or repeated request_token";
		return RETURN_BAD;
	}
	if (approved + denied != 1) {
		*why = "neither approved=true nor denied=true, or both";
		return RETURN_BAD;
	}
	if (token != NULL && !is(tok, tok_n, token)) {
		*why = "a request_token that is not this login's";
		return RETURN_BAD;
	}
	*why = approved ? "the browser came back approved" : "the browser came back denied";
	return approved ? RETURN_APPROVED : RETURN_DENIED;
}

enum return_verdict return_judge(const char *buf, size_t len, const char *path,
				 const char *token, const char **why)
{
	const char *end = header_end(buf, len), *line_end, *target, *sp, *q;
	size_t path_len = strlen(path);

	if (end == NULL) {
		if (len >= RETURN_MAX_REQUEST) {
			*why = "a request larger than " "4096" " bytes";
			return RETURN_TOO_LARGE;
		}
		*why = "incomplete";
		return RETURN_INCOMPLETE;
	}
	/* the limit holds whatever the caller's buffer: a header that ends past it was already
	 * too large at its first RETURN_MAX_REQUEST bytes, and the verdict must not depend on how
	 * the request was read */
	if ((size_t)(end - buf) > RETURN_MAX_REQUEST) {
		*why = "a request larger than " "4096" " bytes";
		return RETURN_TOO_LARGE;
	}
	if (memchr(buf, '\0', (size_t)(end - buf)) != NULL) {
		*why = "a NUL byte in the request";
		return RETURN_BAD;
	}
	line_end = memchr(buf, '\n', (size_t)(end - buf));
	if (line_end > buf && line_end[-1] == '\r')
		line_end--;
	/* METHOD SP TARGET SP HTTP/1.x */
	sp = memchr(buf, ' ', (size_t)(line_end - buf));
	if (sp == NULL) {
		*why = "a malformed request line";
		return RETURN_BAD;
	}
	if (!is(buf, (size_t)(sp - buf), "GET")) {
		*why = "a method other than GET";
		return RETURN_BAD_METHOD;
	}
	target = sp + 1;
	sp = memchr(target, ' ', (size_t)(line_end - target));
	if (sp == NULL || !(is(sp + 1, (size_t)(line_end - sp - 1), "HTTP/1.1") ||
			    is(sp + 1, (size_t)(line_end - sp - 1), "HTTP/1.0"))) {
		*why = "a malformed request line";
		return RETURN_BAD;
	}
	q = memchr(target, '?', (size_t)(sp - target));
	if ((size_t)((q ? q : sp) - target) != path_len || memcmp(target, path, path_len) != 0) {
		*why = "a path that is not the return address";
		return RETURN_NOT_FOUND;
	}
	if (q == NULL) {
		*why = "no query";
		return RETURN_BAD;
	}
	return judge_query(q + 1, (size_t)(sp - q - 1), token, why);
}
