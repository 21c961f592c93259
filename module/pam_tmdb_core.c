/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_tmdb_core: the six PAM entry points' work in process, loaded by the thin pam_tmdb.so
 * (pam_tmdb.c, core_loader.h) only when a login's steps run in this process. Each opens its
 * transaction again (options, user; with the full checks the thin module leaves out), hands the
 * work to the flow (flow.h) and maps the outcome to what the host sees. The names differ from
 * pam_sm_*: this file is no PAM module, and libpam must never take it for one. */
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
#include "enrol.h"
#include "flow.h"
#include "helper_client.h"
#include "options.h"
#include "refusal.h"
#include "return_to.h"
#include "txn.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int pam_tmdb_core_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	char *refused_as = NULL;
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
	if (t.opts.enroll) {
		/* a service that enrols (enrol.h): it tells its own outcome, and hands nothing over */
		rc = enrol_run(&t);
		txn_end(&t);
		return rc;
	}
	rc = flow_authenticate(&t, &refused_as);
	refusal_tell(pamh, flags, rc, t.user, refused_as); /* says nothing for success or PAM_IGNORE */
	free(refused_as);
	txn_end(&t);
	return rc;
}

EXPORT int pam_tmdb_core_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
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
	/* ESTABLISH, REINITIALIZE, REFRESH */
	rc = flow_reexport(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_tmdb_core_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
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
	rc = flow_account(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_tmdb_core_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc == PAM_IGNORE)
		return PAM_SUCCESS; /* out of scope: no session of ours */
	if (rc != PAM_SUCCESS && t.opts.needs_helper)
		return helper_open_session(pamh, flags, argc, argv);
	if (rc != PAM_SUCCESS)
		return rc;
	/* hosts that skip setcred still get the session exported */
	rc = flow_open_session(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_tmdb_core_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
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
	flow_logout(&t);
	txn_end(&t);
	return PAM_SUCCESS;
}
