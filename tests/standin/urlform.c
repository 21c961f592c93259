/* SPDX-License-Identifier: BSD-3-Clause */
/* urlform.c: urlencoded form fields and query values. Browsers post forms
 * as name=value&name=value with '+' for a space and %XX for other bytes. */
#include "config.h"

#include "urlform.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s (len bytes) into a new string; NULL if malformed. */
static char *decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			/* two hex digits must follow; %00 would cut the value short */
			if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
			    (lo = hex_value(s[i + 2])) < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '\0') {
			free(out);
			return NULL;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

char *urlform_field(const char *body, size_t len, const char *name)
{
	size_t nlen = strlen(name), i = 0;

	if (body == NULL)
		return NULL;
	while (i < len) {
		const char *pair = body + i, *amp = memchr(pair, '&', len - i);
		size_t plen = amp != NULL ? (size_t)(amp - pair) : len - i;

		if (plen > nlen && memcmp(pair, name, nlen) == 0 && pair[nlen] == '=')
			return decode(pair + nlen + 1, plen - nlen - 1);
		i += plen + 1;
	}
	return NULL;
}

void urlform_add_encoded(struct buf *b, const char *s)
{
	static const char digits[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';

		if (keep) {
			buf_add(b, s, 1);
		} else {
			char esc[3] = { '%', digits[c >> 4], digits[c & 0x0f] };

			buf_add(b, esc, 3);
		}
	}
}
