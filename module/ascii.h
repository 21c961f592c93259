/* SPDX-License-Identifier: BSD-3-Clause */
/* ascii.h — byte-wise comparisons that never consult the locale. A host may have called
 * setlocale() with any locale (a Turkish one maps 'I' to a dotless i), and the module's
 * decisions must not change with it. */
#ifndef PAM_TMDB_ASCII_H
#define PAM_TMDB_ASCII_H

#include <stddef.h>

static inline int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* strncasecmp for ASCII letters only; other bytes compare as they are. */
static inline int ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int x = ascii_lower((unsigned char)a[i]), y = ascii_lower((unsigned char)b[i]);
		if (x != y || x == 0)
			return x - y;
	}
	return 0;
}

static inline int ascii_casecmp(const char *a, const char *b)
{
	return ascii_ncasecmp(a, b, (size_t)-1);
}

#endif
