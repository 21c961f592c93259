/* session.h — the credential the module provides (session id + TMDb account) and how it is
 * handed to the host: module data, PAM environment, optional conversation message; and
 * found again by later entry points, possibly in another process. */
#ifndef PAM_TMDB_SESSION_H
#define PAM_TMDB_SESSION_H

#include "txn.h"

#define SESSION_DATA_NAME "pam_tmdb_session"

struct tmdb_session {
	char *session_id;   /* secret */
	long long account_id;
	char *username;     /* TMDb username */
};

/* Wipes and frees. */
void session_clear(struct tmdb_session *s);

/* Deep copy. PAM_SUCCESS or PAM_BUF_ERR. */
int session_copy(struct tmdb_session *dst, const struct tmdb_session *src);

/* Stores s as module data (wiping cleanup) and, unless export_env=no, in the PAM environment.
 * With announce and conv_session=yes, also sends "TMDB_SESSION_ID=<id>" as PAM_TEXT_INFO. */
int session_handover(struct txn *t, const struct tmdb_session *s, bool announce);

enum session_source { SESSION_FROM_DATA, SESSION_FROM_ENV, SESSION_FROM_CACHE };

/* This transaction's session: module data, else the PAM environment, else the cache.
 * PAM_SUCCESS (s filled, *from set), PAM_IGNORE (none known), PAM_BUF_ERR. */
int session_find(struct txn *t, struct tmdb_session *s, enum session_source *from);

/* Removes the session from module data and the PAM environment. */
void session_forget(struct txn *t);

#endif
