/* SPDX-License-Identifier: BSD-3-Clause */
/* only_stdio.h — what tmdb-login's children inherit: standard input, output and error only. */
#ifndef TMDB_LOGIN_ONLY_STDIO_H
#define TMDB_LOGIN_ONLY_STDIO_H

/* In a child between fork and exec: every descriptor above 2 becomes close-on-exec, whatever
 * opened it (the module, libcurl, whoever started tmdb-login). Async-signal-safe with
 * close_range; without it (Linux before 5.11) it walks /proc/self/fd. */
void only_stdio_at_exec(void);

#endif
