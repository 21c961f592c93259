/* SPDX-License-Identifier: BSD-3-Clause */
/* binding.h — which TMDb account may stand for which PAM user (account_match=map|user|any,
 * user_map file), decided before any approval is asked and checked after. Every comparison
 * is byte for byte: local names are case-sensitive and nothing depends on the locale. */
#ifndef PAM_TMDB_BINDING_H
#define PAM_TMDB_BINDING_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_modules.h>

#include "enrol_record.h"
#include "options.h"
#include "tmdb_api.h"

#define USER_MAP_MAX_BYTES (1024 * 1024)

/* The TMDb account the PAM user must have: by username, by numeric id (a "#id" map entry),
 * or any account at all (account_match=any). */
struct binding {
	bool any;
	char *username;  /* NULL when bound by id or any */
	long long id;    /* > 0 when bound by id */
	enum account_match match; /* the rule that made it, for the log */
	struct enrol_record enrolled; /* self_enroll=yes: the user's own record (enrol_store.h) */
};

/* Fills b for the PAM user under o->account_match (o->user_map: the map file, read for
 * MATCH_MAP only). With o->self_enroll, the user's own record under o->state_dir
 * (enrol_store.h) also binds under MATCH_MAP, by account id, and a user_map that does not
 * exist is then an empty one; without it no record is ever read. PAM_SUCCESS;
 * PAM_USER_UNKNOWN (neither the map nor a record names the user); PAM_SERVICE_ERR (user_map
 * missing, insecure or malformed); PAM_BUF_ERR. */
int binding_expected(pam_handle_t *pamh, const struct tmdb_options *o, const char *user, struct binding *b);

/* PAM_SUCCESS when the account may stand for the user, else PAM_AUTH_ERR (logged). */
int binding_check(pam_handle_t *pamh, const struct binding *b, const struct tmdb_account *acct);

void binding_clear(struct binding *b);

/* The user_map parser, for tests and the fuzzer. Lines "localuser tmdbusername" or
 * "localuser #accountid"; a field that starts with '#' starts a comment, except a second
 * field "#" + digits (a positive id without leading zeros, at most 18 digits).
 * 0 with *tmdb_name (free(); "#1001" for an id) when found, 1 when not, -1 malformed. */
int user_map_lookup(const char *text, size_t len, const char *user, char **tmdb_name);
/* The same, and *bad_line is the (1-based) number of the malformed line when it returns -1 (0
 * when it failed for lack of memory). A NULL user matches no line: the whole map is checked. */
int user_map_lookup_at(const char *text, size_t len, const char *user, char **tmdb_name, unsigned *bad_line);

#endif
