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

#include "core_loader.h"
#include "enrol.h"
#include "flow.h"
#include "options.h"
#include "refusal.h"
#include "txn.h"

#define EXPORT __attribute__((visibility("default")))

/* The thin module has already decided, with the same txn_begin, that this call is in scope,
 * configured and not the helper's; the core's own can still fail where its checks are fuller
 * (libcurl's URL parser) or the files changed in between: that failure is then the answer. */

EXPORT int pam_tmdb_core_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	char *refused_as = NULL;
	int rc = txn_begin(&t, pamh, flags, argc, argv, true);

	if (rc != PAM_SUCCESS) {
		if (rc != PAM_IGNORE && enrol_requested(argc, argv))
			free(enrol_take_action(pamh)); /* taken: the service does enrol, it failed */
		if (rc != PAM_IGNORE)
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

/* ESTABLISH, REINITIALIZE, REFRESH (the thin module answers PAM_DELETE_CRED itself) */
EXPORT int pam_tmdb_core_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc == PAM_IGNORE ? PAM_SUCCESS : rc;
	rc = flow_reexport(&t);
	txn_end(&t);
	return rc;
}

/* (a service that enrols is denied by the thin module before it gets here) */
EXPORT int pam_tmdb_core_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

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

	if (rc != PAM_SUCCESS)
		return rc == PAM_IGNORE ? PAM_SUCCESS : rc;
	/* hosts that skip setcred still get the session exported */
	rc = flow_open_session(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_tmdb_core_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc == PAM_IGNORE ? PAM_SUCCESS : rc;
	flow_logout(&t);
	txn_end(&t);
	return PAM_SUCCESS;
}
