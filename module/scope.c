/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "fork_guard.h"
#include "scope.h"
#include "userlog.h"

#define PW_BUF_START 4096
#define PW_BUF_MAX (1024 * 1024)

int scope_check(pam_handle_t *pamh, const char *user, long minimum_uid, bool debug)
{
	struct passwd pw, *found = NULL;
	size_t cap = PW_BUF_START;
	char *buf = NULL;
	int err;

	if (minimum_uid == 0)
		return PAM_SUCCESS; /* everyone, root included: no lookup needed */
	for (;;) {
		char *nb = realloc(buf, cap);
		if (nb == NULL) {
			free(buf);
			return PAM_BUF_ERR;
		}
		buf = nb;
		/* getpwnam_r: thread-safe, unlike getpwnam. Inside the fork guard: glibc does not
		 * reset the lock of its NSS module list in a child, so a host that forks while a
		 * thread of ours loads the NSS modules (the first lookup) would hand the child a lock
		 * that nobody will ever release */
		fork_guard_enter();
		err = getpwnam_r(user, &pw, buf, cap, &found);
		fork_guard_leave();
		if (err != ERANGE || cap >= PW_BUF_MAX)
			break;
		cap *= 2;
	}
	if (found == NULL && err != 0 && err != ENOENT && err != ESRCH && err != EBADF && err != EPERM) {
		userlog(pamh, LOG_ERR, user, "cannot look up the user in the user database (error %d); refusing to guess "
			"whether it is below minimum_uid", err);
		free(buf);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (found != NULL && (long)found->pw_uid < minimum_uid) {
		if (debug)
			pam_syslog(pamh, LOG_DEBUG, "uid %ld is below minimum_uid=%ld: not handled by pam_tmdb",
				   (long)found->pw_uid, minimum_uid);
		free(buf);
		return PAM_IGNORE;
	}
	free(buf);
	return PAM_SUCCESS;
}
