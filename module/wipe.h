/* SPDX-License-Identifier: BSD-3-Clause */
/* wipe.h — erase secrets before memory is released.
 * Every buffer that held an API key, access token, request token or session id goes through here. */
#ifndef PAM_TMDB_WIPE_H
#define PAM_TMDB_WIPE_H

#include <stddef.h>

/* Overwrites n bytes at p in a way the compiler may not optimise away. */
void wipe(void *p, size_t n);

/* Wipes a NUL-terminated string and frees it; NULL is fine. */
void wipe_free_str(char *s);

/* Wipes n bytes and frees p; NULL is fine. */
void wipe_free(void *p, size_t n);

#endif
