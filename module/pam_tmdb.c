/* pam_tmdb: the six PAM entry points. Each opens its transaction (options, user), hands the
 * work to the flow (flow.h) and maps the outcome to what the host sees. */
#include "config.h"

#include <stdlib.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <security/pam_modules.h>

#include "flow.h"
#include "options.h"
#include "refusal.h"
#include "scope.h"
#include "txn.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	char *refused_as = NULL;
	int rc = txn_begin(&t, pamh, flags, argc, argv, true);

	if (rc != PAM_SUCCESS) {
		const void *user = NULL;
		/* an unconfigured module (a profile enabled before the key was set) tells every user
		 * in scope, but not root and the system accounts under the default minimum_uid */
		if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS || user == NULL ||
		    scope_check(pamh, user, TMDB_DEFAULT_MINIMUM_UID, false) != PAM_IGNORE)
			refusal_tell(pamh, flags, rc, "", NULL);
		return rc;
	}
	rc = flow_authenticate(&t, &refused_as);
	refusal_tell(pamh, flags, rc, t.user, refused_as); /* says nothing for success or PAM_IGNORE */
	free(refused_as);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc;

	/* PAM_DELETE_CRED: nothing on the server and never the remembered session (login and
	 * sshd call it at every logout; close_session ends this login's session). */
	if (flags & PAM_DELETE_CRED)
		return PAM_SUCCESS;
	rc = txn_begin(&t, pamh, flags, argc, argv, false);
	if (rc != PAM_SUCCESS)
		return rc;
	/* ESTABLISH, REINITIALIZE, REFRESH */
	rc = flow_reexport(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = flow_account(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	/* hosts that skip setcred still get the session exported */
	rc = flow_open_session(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	flow_logout(&t);
	txn_end(&t);
	return PAM_SUCCESS;
}

EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE; /* TMDb passwords are not changed here */
}
