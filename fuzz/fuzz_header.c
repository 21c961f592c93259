/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_header.c — what the server sends before the body: header lines through the module's
 * libcurl header callback (Authentication-Callback, Retry-After, status lines), and the body
 * through its write callback. Both are static in http.c, so this file includes http.c itself
 * (the fuzz rule builds this target without the separate http.c object); no request is sent.
 *
 * Input format: byte 0 picks max_response (1024 + byte * 64); the rest is split at '\n' into
 * header lines (each keeping its '\n', as libcurl hands them over; a line holding a NUL is
 * skipped, libcurl refuses those) and, after the first empty line, the body, fed to the write callback in chunks of up to 1000 bytes.
 *
 * Checked: every header line is consumed; a captured callback is 1..2048 bytes, without NUL
 * and without leading or trailing blanks, and equals the value of the last
 * Authentication-Callback line since the last status line; Retry-After is -1 or >= 0; the
 * body is kept exactly while it fits max_response, refused (oversize) once it does not, and
 * stays terminated. */
#include "../module/http.c"

#include "fuzz_util.h"

/* The value of an "authentication-callback:" line, as the module should read it. */
static bool model_callback(const char *line, size_t len, const char **v, size_t *vlen)
{
	static const char name[] = "authentication-callback:";
	const char *b, *e;
	if (len < sizeof(name) - 1 || strncasecmp(line, name, sizeof(name) - 1) != 0)
		return false;
	b = line + sizeof(name) - 1;
	e = line + len;
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*v = b;
	*vlen = (size_t)(e - b);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmdb_options o;
	struct http_client c;
	struct http_response r;
	const uint8_t *p, *end = data + size;
	char *want = NULL; /* the callback the lines so far call for */
	bool body = false;
	size_t fed = 0;
	const uint8_t *body_start = NULL;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	o.max_response = 1024 + (long)data[0] * 64;
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	c.o = &o;
	c.resp = &r;
	c.retry_after_ms = -1;

	for (p = data + 1; p < end && !body;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		char *line;
		const char *v;
		size_t vlen;
		if (memchr(p, '\0', n) != NULL) { /* libcurl refuses such a response */
			p += n;
			continue;
		}
		line = fuzz_copy(p, n);
		p += n;
		if ((n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n'))
			body = true;
		FUZZ_CHECK(on_header(line, 1, n, &c) == n, "header line refused");
		if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
			free(want);
			want = NULL;
			FUZZ_CHECK(c.retry_after_ms == -1, "Retry-After survives a new status line");
		} else if (model_callback(line, n, &v, &vlen)) {
			free(want);
			want = vlen > 0 && vlen <= MAX_HEADER_VALUE ? strndup(v, vlen) : NULL;
		}
		/* finding F5: a far-future Retry-After date overflows (UB) into a negative delay */
		FUZZ_CHECK(c.retry_after_ms >= -1, "retry_after_ms %ld", c.retry_after_ms);
		if (r.callback != NULL) {
			size_t cl = strlen(r.callback);
			FUZZ_CHECK(cl >= 1 && cl <= MAX_HEADER_VALUE, "callback length %zu", cl);
			FUZZ_CHECK(r.callback[0] != ' ' && r.callback[0] != '\t', "leading blank");
			FUZZ_CHECK(strchr(" \t\r\n", r.callback[cl - 1]) == NULL, "trailing blank");
		}
		/* the value up to a NUL in it: strndup stops there too */
		FUZZ_CHECK((want == NULL) == (r.callback == NULL) && (want == NULL || strcmp(want, r.callback) == 0),
			   "callback \"%s\", expected \"%s\"", r.callback ? r.callback : "(none)", want ? want : "(none)");
		free(line);
	}
	free(want);

	body_start = p;
	while (p < end) {
		size_t n = (size_t)(end - p) < 1000 ? (size_t)(end - p) : 1000;
		char *chunk = fuzz_copy(p, n);
		size_t got = on_body(chunk, 1, n, &c);
		free(chunk);
		p += n;
		if (fed + n <= (size_t)o.max_response) {
			FUZZ_CHECK(got == n && !c.oversize, "body refused at %zu bytes", fed + n);
			fed += n;
			FUZZ_CHECK(r.len == fed && r.body[r.len] == '\0', "body length %zu, fed %zu", r.len, fed);
		} else {
			FUZZ_CHECK(got == 0 && c.oversize, "body beyond max_response kept");
			break;
		}
	}
	if (fed > 0)
		FUZZ_CHECK(memcmp(r.body, body_start, fed) == 0, "body bytes changed");
	if (r.body != NULL)
		wipe_free(r.body, c.cap);
	r.body = NULL;
	http_response_clear(&r);
	return 0;
}
