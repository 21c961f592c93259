/* SPDX-License-Identifier: BSD-3-Clause */
/* revoke.h — ending a credential on the server: the v3 session and, after a v4 login, the
 * user's access token. Used at logout, for refused logins, and by the reaper and tmdbctl. */
#ifndef PAM_TMDB_REVOKE_H
#define PAM_TMDB_REVOKE_H

#include <security/pam_modules.h>

#include "credential.h"
#include "options.h"
#include "tmdb_api.h"

/* Each part is tried whatever the other gave; failures are logged (why: who asked).
 * PAM_SUCCESS when the session is gone (deleted now, or unknown to the server), else the
 * session delete's code (PAM_AUTHINFO_UNAVAIL: TMDb could not be reached). */
int revoke_credential(struct tmdb_client *api, const struct tmdb_session *s, const char *why);

/* The same over a connection of its own (http_client_open), for callers without a
 * transaction's client: a cleanup inside pam_end, tmdbctl. */
int revoke_standalone(pam_handle_t *pamh, const struct tmdb_options *o, const struct tmdb_session *s,
		      const char *why);

#endif
