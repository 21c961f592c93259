/* SPDX-License-Identifier: BSD-3-Clause */
/* scope.h — which users pam_tmdb speaks for: a user the system knows with a uid below
 * minimum_uid (root and system accounts, by default) is left to the other modules. */
#ifndef PAM_TMDB_SCOPE_H
#define PAM_TMDB_SCOPE_H

#include <stdbool.h>

#include <security/pam_modules.h>

/* PAM_SUCCESS: in scope (a known user at or above minimum_uid, or a user the system does not
 * know: the binding decides); PAM_IGNORE: out of scope (logged with debug); PAM_BUF_ERR;
 * PAM_AUTHINFO_UNAVAIL: the user database could not be read (logged), so scope is unknown. */
int scope_check(pam_handle_t *pamh, const char *user, long minimum_uid, bool debug);

#endif
