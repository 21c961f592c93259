/* SPDX-License-Identifier: BSD-3-Clause */
/* txn.h — what one entry-point call works with: the PAM handle, flags, the user, the parsed
 * options and (on demand) the TMDb client over the transaction's HTTP connection. */
#ifndef PAM_TMDB_TXN_H
#define PAM_TMDB_TXN_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "credential.h"
#include "options.h"
#include "tmdb_api.h"

struct journal;
struct txn;

/* What pam_tmdb_helper does differently (helper/serve.c); NULL in the module itself. */
struct txn_hooks {
	/* A request that may create a credential starts (true), or ended without one (false);
	 * after one that got a credential it is not called again: the login holds one now. */
	void (*credential_pending)(bool pending);
	/* Records s in j held by the process that will open and close the login (the helper's
	 * caller) instead of this one. 0 with name set (JOURNAL_NAME_LEN bytes), or -1 (logged). */
	int (*record)(struct txn *t, struct journal *j, const struct tmdb_session *s, char *name);
};

struct txn {
	pam_handle_t *pamh;
	int flags;
	const char *user;       /* owned by libpam */
	int argc;               /* the module arguments, to read the configuration again later */
	const char **argv;      /* (login_guard.h); owned by libpam */
	struct tmdb_options opts;
	struct tmdb_client api; /* api.http is NULL until txn_api() */
	const struct txn_hooks *hooks; /* NULL but in pam_tmdb_helper */
};

/* Loads the user, decides scope, then loads the options. ask_user: may prompt for a user name
 * (authenticate); otherwise PAM_USER must already be set. A known user below minimum_uid gets
 * PAM_IGNORE before the configuration is read (scope_first.h), so that no configuration error
 * ever reaches root or a system account. PAM_SUCCESS, PAM_IGNORE, PAM_SERVICE_ERR,
 * PAM_BUF_ERR, PAM_USER_UNKNOWN, PAM_AUTHINFO_UNAVAIL (user database unreadable), or the code
 * pam_get_user gave. On failure nothing is left to txn_end. */
int txn_begin(struct txn *t, pam_handle_t *pamh, int flags, int argc, const char **argv, bool ask_user);

void txn_end(struct txn *t);

/* The TMDb client of a transaction is txn_api.h's: the one part that needs libcurl lives apart,
 * so that the thin pam_tmdb.so can begin a transaction without it. */

#endif
