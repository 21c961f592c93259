/* SPDX-License-Identifier: BSD-3-Clause */
/* record.h — the line format the session cache and the holder journal share on disk: a magic
 * line, then "key value" lines whose keys stand in a fixed order. */
#ifndef PAM_TMDB_RECORD_H
#define PAM_TMDB_RECORD_H

#include <stdbool.h>
#include <stddef.h>

/* Splits a record of len bytes (1..max, no NUL byte, ending in '\n') in a NUL-terminated copy:
 * *magic is its first line, values[i] what follows keys[i] on line i + 1, which must start
 * with it; at most n such lines, their number in *count (values past it stay as they were).
 * Returns the copy, to release with wipe_free(copy, len + 1) since records hold secrets, or
 * NULL for a record that breaks these rules or when memory runs out. */
char *record_split(const char *buf, size_t len, size_t max, const char *const *keys, int n, const char **magic,
		   char **values, int *count);

/* True if s has no control character: a user name read back goes into log lines. */
bool record_printable(const char *s);

#endif
