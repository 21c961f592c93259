/* SPDX-License-Identifier: BSD-3-Clause */
/* text.h — making untrusted text (server messages, usernames, error strings) safe to show
 * or log: control characters removed, invalid UTF-8 replaced, length capped. */
#ifndef PAM_TMDB_TEXT_H
#define PAM_TMDB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#define TEXT_SHOW_MAX 160 /* bytes of server text shown or logged */

/* Copies at most cap-1 bytes of src (len bytes) into dst, dropping C0/C1 control characters
 * and DEL, turning invalid UTF-8 into '?', and ending with "..." when cut. Returns strlen(dst). */
size_t text_sanitize(char *dst, size_t cap, const char *src, size_t len);

/* Is s (len bytes) well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF)? */
bool text_is_utf8(const char *s, size_t len);

#endif
