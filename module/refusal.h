/* SPDX-License-Identifier: BSD-3-Clause */
/* refusal.h — why a login was refused, told to the user in one PAM_ERROR_MSG (unless
 * PAM_SILENT): not approved, approved as an account that may not sign in as this user,
 * TMDb unreachable, or a configuration problem (details only in the system log). */
#ifndef PAM_TMDB_REFUSAL_H
#define PAM_TMDB_REFUSAL_H

#include <security/pam_modules.h>

/* rc: what pam_sm_authenticate returns; refused_as: the TMDb username that approved but may
 * not stand for user (server text: sanitised here), or NULL. Codes that need no words
 * (success, PAM_IGNORE, a failed conversation, PAM_USER_UNKNOWN: no hint about which local
 * names are mapped) say nothing. */
void refusal_tell(pam_handle_t *pamh, int flags, int rc, const char *user, const char *refused_as);

#endif
