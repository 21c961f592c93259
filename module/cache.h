/* SPDX-License-Identifier: BSD-3-Clause */
/* cache.h — the remembered sessions of reuse_session=yes, one per user in
 * {cache_dir}/{encoded user}: mode 0600, written atomically, never through a symlink, never
 * outside cache_dir; a directory that is not safe is not used. Every failure is logged and
 * authentication goes on without a cache. dir is the normalised cache_dir, or NULL (off). */
#ifndef PAM_TMDB_CACHE_H
#define PAM_TMDB_CACHE_H

#include <stddef.h>

#include <security/pam_modules.h>

#include "credential.h"

/* A v3 entry keeps the first format, so entries written before v4 stay readable; a v4 entry
 * (with the access token) has its own magic, which an older module refuses as damaged
 * instead of misreading it. */
#define CACHE_MAGIC "pam_tmdb-cache 1"
#define CACHE_MAGIC_V4 "pam_tmdb-cache 2"
#define CACHE_MAX_BYTES 4096
#define CACHE_NAME_MAX 255

/* The user's cached session: PAM_SUCCESS, PAM_IGNORE (none, unusable, or caching off),
 * PAM_BUF_ERR. */
int cache_load(pam_handle_t *pamh, const char *dir, const char *user, struct tmdb_session *s);

/* Writes (replaces) the user's entry: true when it was written. */
bool cache_store(pam_handle_t *pamh, const char *dir, const char *user, const struct tmdb_session *s);

/* Removes the user's entry, if any. */
void cache_remove(pam_handle_t *pamh, const char *dir, const char *user);

/* Pieces for unit tests and the fuzzer. */
/* The file name for a user: bytes outside [A-Za-z0-9_-] and a leading '.' become %XX.
 * 0, or -1 when the result would not fit CACHE_NAME_MAX (the user is then not cached). */
int cache_entry_name(const char *user, char *out, size_t cap);
/* 0 or -1 (damaged / foreign format). Format 1: session_id, account_id, account_username;
 * format 2: the same, then access_token, account_object_id; each line exactly once, in order. */
int cache_parse(const char *buf, size_t len, struct tmdb_session *s);
/* A fresh string (free with wipe_free_str), NULL when out of memory. */
char *cache_format(const struct tmdb_session *s);

#endif
