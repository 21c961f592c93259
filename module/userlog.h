/* SPDX-License-Identifier: BSD-3-Clause */
/* userlog.h — log lines about one user's login, which say whose login it was.
 *
 * On a shared machine a line such as "no entry in user_map" is useless without the user; like
 * pam_unix ("user=alice"), every such line ends with "; user=NAME service=SERVICE" and, when
 * the host set PAM_RHOST, "rhost=HOST". Each value is sanitised (control characters dropped,
 * length capped): the user name and the remote host come from outside. */
#ifndef PAM_TMDB_USERLOG_H
#define PAM_TMDB_USERLOG_H

#include <security/pam_modules.h>

/* pam_syslog(pamh, prio, fmt, ...) with the suffix above; user is the PAM user (PAM_USER
 * when NULL). */
void userlog(pam_handle_t *pamh, int prio, const char *user, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
