/* SPDX-License-Identifier: BSD-3-Clause */
/* session.h — the credential the module provides (session id + TMDb account) and how it is
 * handed to the host: module data, PAM environment, optional conversation message; and
 * found again by later entry points, possibly in another process. */
#ifndef PAM_TMDB_SESSION_H
#define PAM_TMDB_SESSION_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "credential.h"

#define SESSION_DATA_NAME "pam_tmdb_session"

/* Stores s as module data (wiping cleanup) and, with export_env, in the PAM environment
 * (TMDB_SESSION_ID, TMDB_ACCOUNT_ID, TMDB_ACCOUNT_USERNAME; for a v4 credential also
 * TMDB_ACCESS_TOKEN and TMDB_ACCOUNT_OBJECT_ID). With announce (the caller's conv_session=yes
 * outside PAM_SILENT), also sends "TMDB_SESSION_ID=<id>" as PAM_TEXT_INFO (never the access
 * token). */
int session_handover(pam_handle_t *pamh, const struct tmdb_session *s, bool export_env, bool announce);

/* This transaction's session: module data, else the PAM environment (an entry point in
 * another process than authenticate, as under sshd). The remembered session of
 * reuse_session=yes is the caller's business (cache.h). PAM_SUCCESS (s filled), PAM_IGNORE
 * (none known), PAM_BUF_ERR. */
int session_find(pam_handle_t *pamh, struct tmdb_session *s);

/* Removes the session (and a v4 access token) from module data and the PAM environment. */
void session_forget(pam_handle_t *pamh);

#endif
