/* SPDX-License-Identifier: BSD-3-Clause */
/* url_line.h — which line of a PAM message is the approval URL. tmdb-login opens it in the
 * browser; tmdb-host (tests/host) approves it the way a user would: both ask this one rule. */
#ifndef TMDB_LOGIN_URL_LINE_H
#define TMDB_LOGIN_URL_LINE_H

#include <stdbool.h>
#include <stddef.h>

/* True if the n bytes at s are exactly a URL: http(s)://, then no whitespace or control
 * characters. */
bool url_line(const char *s, size_t n);

#endif
