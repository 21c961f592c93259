/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_tmdb: the six PAM entry points, thin (core_loader.h): no libcurl, yajl or libqrencode.
 * Each opens its transaction (user, scope first, options) and answers here what needs no TMDb
 * request: out of scope, a configuration error, a host that must go through the helper
 * (helper_client.h). The steps of a login in process are the core's (pam_tmdb_core.c), loaded
 * at the first such call; the core begins its own transaction, with the full checks. */
#include "config.h"

#include <stdlib.h>
#include <syslog.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "conv.h"
#include "core_loader.h"
#include "enrol_args.h"
#include "helper_client.h"
#include "options.h"
#include "refusal.h"
#include "return_to.h"
#include "txn.h"

#define EXPORT __attribute__((visibility("default")))

/* The core's answer for op, or PAM_SERVICE_ERR when it cannot be had (core_get logs why). */
#define CORE_CALL(op)                                                                         \
	do {                                                                                  \
		const struct core_entries *core_ = core_get(pamh);                            \
		return core_ != NULL ? core_->op(pamh, flags, argc, argv) : PAM_SERVICE_ERR;  \
	} while (0)

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, true);

	if (rc == PAM_IGNORE) {
		/* out of scope: no request, no message; a host's return address (return_to.h) is
		 * for this authentication only, so it leaves the PAM environment all the same */
		char *unused = NULL;
		if (return_to_take(pamh, &unused) == PAM_SUCCESS)
			free(unused);
		if (enrol_requested(argc, argv)) {
			free(enrol_take_action(pamh));
			conv_say(pamh, flags, PAM_ERROR_MSG, "Not enrolled: pam_tmdb leaves this user alone (root and "
				 "system accounts, below minimum_uid): there is nothing to enrol.");
		}
		return PAM_IGNORE;
	}
	if (rc != PAM_SUCCESS && t.opts.needs_helper)
		return helper_authenticate(pamh, flags, argc, argv); /* a host run by an ordinary user */
	if (rc != PAM_SUCCESS) {
		/* in scope (or unknown to the system): the user hears why, in one line */
		if (enrol_requested(argc, argv))
			free(enrol_take_action(pamh)); /* taken: the service does enrol, it failed */
		refusal_tell(pamh, flags, rc, "", NULL);
		return rc;
	}
	txn_end(&t);
	CORE_CALL(authenticate);
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
	if (rc == PAM_IGNORE)
		return PAM_SUCCESS; /* out of scope: nothing of ours to establish */
	if (rc != PAM_SUCCESS && t.opts.needs_helper)
		return helper_reexport(pamh, flags, argc, argv);
	if (rc != PAM_SUCCESS)
		return rc;
	txn_end(&t);
	CORE_CALL(setcred);
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc;

	if (enrol_requested(argc, argv)) {
		/* a service that enrols signs nobody in, whatever its stack says */
		pam_syslog(pamh, LOG_NOTICE, "acct_mgmt in a service with the argument enroll: denied (it signs "
			   "nobody in)");
		return PAM_PERM_DENIED;
	}
	rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS && t.opts.needs_helper)
		return helper_account(pamh, flags, argc, argv);
	if (rc != PAM_SUCCESS)
		return rc;
	txn_end(&t);
	CORE_CALL(acct_mgmt);
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc == PAM_IGNORE)
		return PAM_SUCCESS; /* out of scope: no session of ours */
	if (rc != PAM_SUCCESS && t.opts.needs_helper)
		return helper_open_session(pamh, flags, argc, argv);
	if (rc != PAM_SUCCESS)
		return rc;
	txn_end(&t);
	CORE_CALL(open_session);
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc == PAM_IGNORE)
		return PAM_SUCCESS; /* out of scope: no session of ours */
	if (rc != PAM_SUCCESS && t.opts.needs_helper) {
		helper_logout(pamh, flags, argc, argv);
		return PAM_SUCCESS;
	}
	if (rc != PAM_SUCCESS)
		return rc;
	txn_end(&t);
	CORE_CALL(close_session);
}

EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE; /* TMDb passwords are not changed here */
}
