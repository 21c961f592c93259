/* binding.h — which TMDb account may stand for which PAM user (account_match=user|map|any,
 * user_map file), decided before any approval is asked and checked after. */
#ifndef PAM_TMDB_BINDING_H
#define PAM_TMDB_BINDING_H

#include <stddef.h>

#include "session.h"
#include "txn.h"

#define USER_MAP_MAX_BYTES (1024 * 1024)

/* The TMDb username the PAM user must have (*expected, free()), or NULL with
 * account_match=any. PAM_SUCCESS; PAM_USER_UNKNOWN (map without the user); PAM_SERVICE_ERR
 * (user_map missing or insecure); PAM_BUF_ERR. */
int binding_expected(struct txn *t, char **expected);

/* PAM_SUCCESS when the account may stand for the user, else PAM_AUTH_ERR (logged). */
int binding_check(struct txn *t, const char *expected, const char *tmdb_username);

/* The user_map parser, for tests and the fuzzer: lines "localuser tmdbusername", '#'
 * comments. 0 with *tmdb_name (free()) when found, 1 when not, -1 malformed. */
int user_map_lookup(const char *text, size_t len, const char *user, char **tmdb_name);

#endif
