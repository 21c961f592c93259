/* SPDX-License-Identifier: BSD-3-Clause */
/* util.h: random identifiers, TMDb-style timestamps, number parsing and
 * sleeps that end early when the stand-in shuts down. */
#ifndef STANDIN_UTIL_H
#define STANDIN_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Fills out with nhex lowercase hex digits from /dev/urandom and a NUL
 * (out must hold nhex + 1 bytes). Returns 0, or -1 if /dev/urandom fails. */
int random_hex(char *out, size_t nhex);

/* Formats t as TMDb does: "YYYY-MM-DD HH:MM:SS UTC". */
void format_tmdb_time(time_t t, char out[32]);

/* Parses a whole decimal number in [min, max]. Returns 0 or -1. */
int parse_long(const char *s, long min, long max, long *out);

/* Parses a boolean flag value: absent/empty/1/yes/true/on = true,
 * 0/no/false/off = false. Returns 0 or -1. */
int parse_flag(const char *s, bool *out);

/* Sleeps ms milliseconds in short steps; returns early (false) once
 * *stopping becomes true. Returns true when the full time elapsed. */
bool sleep_ms(const atomic_bool *stopping, long ms);

#endif
