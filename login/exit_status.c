/* SPDX-License-Identifier: BSD-3-Clause */
/* exit_status.c — the PAM result of the login as tmdb-login's exit status (tmdb-login(1),
 * EXIT STATUS). Scripts branch on these, so each class keeps its number. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "login.h"

int login_exit_for_pam(int pam_rc)
{
	switch (pam_rc) {
	case PAM_SUCCESS:
		return EXIT_LOGIN_OK;
	/* the user, the account or TMDb said no */
	case PAM_AUTH_ERR:
	case PAM_PERM_DENIED:
	case PAM_USER_UNKNOWN:
	case PAM_MAXTRIES:
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_AUTHTOK_EXPIRED:
	case PAM_CRED_INSUFFICIENT:
	case PAM_CRED_UNAVAIL:
	case PAM_CRED_EXPIRED:
	case PAM_CRED_ERR:
	case PAM_IGNORE:
		return EXIT_REFUSED;
	case PAM_AUTHINFO_UNAVAIL:
		return EXIT_UNREACHABLE;
	/* the conversation ran out of answers: no terminal, end of input */
	case PAM_CONV_ERR:
	case PAM_ABORT:
		return EXIT_NO_ANSWER;
	default:
		/* PAM_SERVICE_ERR, PAM_SYSTEM_ERR, PAM_OPEN_ERR, PAM_SYMBOL_ERR, PAM_BUF_ERR, … */
		return EXIT_CONFIG;
	}
}
