/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_text.c — the two functions that make untrusted names and text safe: text_sanitize
 * (server messages, usernames shown or logged) and cache_entry_name (a PAM user name as a
 * file name inside cache_dir).
 *
 * Input format: the first byte is a buffer size (0..255); the rest is the text. text_sanitize
 * runs with that size and with the module's TEXT_SHOW_MAX + 1; cache_entry_name gets the rest
 * up to its first NUL (a C string, as PAM hands the user name over) with that size and with
 * the module's CACHE_NAME_MAX + 1. Output buffers are malloc'd to their exact size.
 *
 * Checked, text_sanitize: returns strlen(dst) < cap; no byte < 0x20, no DEL, no C1 control,
 * valid UTF-8; clean text that fits is kept unchanged; a cut result is a prefix of the uncut
 * one, followed by "..." when there is room for it.
 * cache_entry_name: 0 exactly when the encoding fits (< min(cap, CACHE_NAME_MAX + 1)) and the
 * user is not empty; the name has no '/', never starts with '.', is never "." or "..", uses
 * only [A-Za-z0-9_.%-], and decodes back to the user (two users never share an entry). */
#include "config.h"

#include "cache.h"
#include "text.h"
#include "fuzz_util.h"

static void sanitize_with(size_t cap, const char *src, size_t len, const char *full, size_t full_len)
{
	char *dst = malloc(cap ? cap : 1);
	size_t n;
	if (dst == NULL)
		abort();
	n = text_sanitize(dst, cap, src, len);
	if (cap == 0) {
		FUZZ_CHECK(n == 0, "cap 0 gave %zu", n);
		free(dst);
		return;
	}
	FUZZ_CHECK(n < cap, "length %zu for cap %zu", n, cap);
	FUZZ_CHECK(fuzz_is_sanitized(dst, n), "not sanitised (cap %zu)", cap);
	if (full != NULL && !(n == full_len && memcmp(dst, full, n) == 0)) {
		/* cut */
		if (cap >= 4) {
			FUZZ_CHECK(n >= 3 && memcmp(dst + n - 3, "...", 3) == 0, "cut without \"...\" (cap %zu)", cap);
			n -= 3;
		}
		FUZZ_CHECK(n <= full_len && memcmp(dst, full, n) == 0, "cut result is not a prefix (cap %zu)", cap);
	}
	free(dst);
}

static size_t encoded_len(const char *user)
{
	size_t n = 0;
	for (size_t i = 0; user[i]; i++) {
		unsigned char c = (unsigned char)user[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			     c == '-' || (c == '.' && i > 0);
		n += plain ? 1 : 3;
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void entry_name_with(size_t cap, const char *user)
{
	char *out = malloc(cap ? cap : 1);
	size_t limit = cap < CACHE_NAME_MAX + 1 ? cap : CACHE_NAME_MAX + 1;
	bool fits = user[0] != '\0' && encoded_len(user) + 1 <= limit;
	int rc;
	if (out == NULL)
		abort();
	rc = cache_entry_name(user, out, cap);
	FUZZ_CHECK(rc == (fits ? 0 : -1), "rc %d for a name of %zu encoded bytes, cap %zu", rc, encoded_len(user), cap);
	if (rc == 0) {
		size_t n = strlen(out), k = 0;
		FUZZ_CHECK(n < limit && n >= 1, "length %zu", n);
		FUZZ_CHECK(strchr(out, '/') == NULL, "'/' in \"%s\"", out);
		FUZZ_CHECK(out[0] != '.', "leading '.' in \"%s\"", out);
		FUZZ_CHECK(strcmp(out, ".") != 0 && strcmp(out, "..") != 0, "\"%s\"", out);
		FUZZ_CHECK(strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.%-") == n,
			   "unexpected byte in \"%s\"", out);
		/* decodes back to the user: the mapping is one-to-one */
		for (size_t i = 0; i < n; k++) {
			unsigned char c;
			if (out[i] == '%') {
				int hi = hexval(out[i + 1]), lo = hi >= 0 ? hexval(out[i + 2]) : -1;
				FUZZ_CHECK(hi >= 0 && lo >= 0, "bad escape in \"%s\"", out);
				c = (unsigned char)(hi * 16 + lo);
				i += 3;
			} else {
				c = (unsigned char)out[i++];
			}
			FUZZ_CHECK(user[k] != '\0' && (unsigned char)user[k] == c, "\"%s\" does not decode back", out);
		}
		FUZZ_CHECK(user[k] == '\0', "\"%s\" decodes to a shorter name", out);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap, len, full_len, full_cap;
	char *src, *full, *user;

	if (size < 1)
		return 0;
	cap = data[0];
	len = size - 1;
	src = fuzz_copy(data + 1, len);

	/* the uncut result: every input byte gives at most 3 output bytes ("?" or a kept sequence) */
	full_cap = len * 3 + 8;
	full = malloc(full_cap);
	if (full == NULL)
		abort();
	full_len = text_sanitize(full, full_cap, src, len);
	FUZZ_CHECK(full_len < full_cap && fuzz_is_sanitized(full, full_len), "uncut result not sanitised");
	{
		/* clean text is kept as it is */
		bool clean = memchr(src, '\0', len) == NULL && fuzz_utf8_ok((const unsigned char *)src, len, true);
		for (size_t i = 0; clean && i < len; i++)
			if ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
				clean = false;
		if (clean)
			FUZZ_CHECK(full_len == len && memcmp(full, src, len) == 0, "clean text changed");
	}
	sanitize_with(cap, src, len, full, full_len);
	sanitize_with(TEXT_SHOW_MAX + 1, src, len, full, full_len);

	user = fuzz_strndup(data + 1, len);
	entry_name_with(cap, user);
	entry_name_with(CACHE_NAME_MAX + 1, user);
	entry_name_with(CACHE_NAME_MAX + 64, user);

	free(user);
	free(full);
	free(src);
	return 0;
}
