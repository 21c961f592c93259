/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_ids.h — the shapes of TMDb's ids and tokens, checked on every one that comes from
 * outside. A leaf without libcurl or yajl: the thin pam_tmdb.so (session.c on the helper path)
 * checks what the helper hands over with these. */
#ifndef PAM_TMDB_TMDB_IDS_H
#define PAM_TMDB_TMDB_IDS_H

#include <stdbool.h>

/* Request and access tokens are JWTs: opaque to the module, but bounded and of characters
 * that go into a URL, a JSON string, the PAM environment and a cache line unescaped. */
#define TMDB_V4_TOKEN_MAX 1024
/* account_id of v4 is a string (an object id), not v3's integer */
#define TMDB_V4_OBJECT_ID_MAX 64

/* Is s shaped like a session id ([A-Za-z0-9_-], 1..128)? */
bool tmdb_is_session_id(const char *s);
/* [A-Za-z0-9_.-], 1..TMDB_V4_TOKEN_MAX bytes. */
bool tmdb_v4_is_token(const char *s);
/* [A-Za-z0-9_-], 1..TMDB_V4_OBJECT_ID_MAX bytes. */
bool tmdb_v4_is_object_id(const char *s);

#endif
