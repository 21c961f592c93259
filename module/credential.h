/* SPDX-License-Identifier: BSD-3-Clause */
/* credential.h — the credential pam_tmdb provides: a TMDb session id and the account behind
 * it; after a v4 login (flow=v4) also the user's v4 access token, from which the session was
 * converted. A leaf: every unit that handles the credential includes this and nothing more. */
#ifndef PAM_TMDB_CREDENTIAL_H
#define PAM_TMDB_CREDENTIAL_H

#include <stdbool.h>

struct tmdb_session {
	char *session_id;   /* secret */
	long long account_id;
	char *username;     /* TMDb username */
	/* flow=v4 only, else NULL: both are set or neither. The access token is a second secret,
	 * revoked with the session at logout. */
	char *access_token;       /* secret */
	char *account_object_id;  /* the v4 account id (a string) */
	/* taken from or stored as the remembered session of reuse_session=yes: it outlives the
	 * login, so close_session leaves it alive */
	bool remembered;
};

/* Wipes and frees. */
void session_clear(struct tmdb_session *s);

/* Deep copy. 0, or -1 when out of memory (dst then empty). */
int session_copy(struct tmdb_session *dst, const struct tmdb_session *src);

#endif
