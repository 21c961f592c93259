/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_util.h — what every fuzz target shares: a loud invariant check (abort, so libFuzzer
 * saves the input), exact-size copies of the input (so ASan sees any over-read), and
 * checkers for the shapes the module promises (UTF-8, control characters). */
#ifndef PAM_TMDB_FUZZ_UTIL_H
#define PAM_TMDB_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                        \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__,   \
				__LINE__, #cond);                                    \
			fprintf(stderr, __VA_ARGS__);                                \
			fputc('\n', stderr);                                         \
			abort();                                                     \
		}                                                                    \
	} while (0)

/* A malloc'd copy of exactly n bytes (not NUL-terminated): reading past it is an ASan error. */
static inline char *fuzz_copy(const uint8_t *data, size_t n)
{
	char *p = malloc(n ? n : 1);
	if (p == NULL)
		abort();
	if (n)
		memcpy(p, data, n);
	return p;
}

/* A malloc'd NUL-terminated copy of n bytes. */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
	char *p = malloc(n + 1);
	if (p == NULL)
		abort();
	if (n)
		memcpy(p, data, n);
	p[n] = '\0';
	return p;
}

/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). With no_c1, U+0080..U+009F are
 * refused as well. */
static inline bool fuzz_utf8_ok(const unsigned char *s, size_t n, bool no_c1)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], cp, need;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < need)
			return false;
		for (unsigned k = 1; k < need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		if (no_c1 && cp >= 0x80 && cp < 0xa0)
			return false;
		i += need;
	}
	return true;
}

/* No C0 control character and no DEL. */
static inline bool fuzz_no_ctl(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The text_sanitize contract on a result of length n. */
static inline bool fuzz_is_sanitized(const char *s, size_t n)
{
	return strlen(s) == n && fuzz_no_ctl(s) && fuzz_utf8_ok((const unsigned char *)s, n, true);
}

/* [A-Za-z0-9_-]{1,128} */
static inline bool fuzz_is_session_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 128)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

#endif
