/* pam_tmdb: the six PAM entry points. Each reads its options, runs the flow, and maps the
 * outcome to a PAM code; the work itself lives in the units named by the includes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "approval.h"
#include "binding.h"
#include "cache.h"
#include "session.h"
#include "tmdb_api.h"
#include "txn.h"
#include "wipe.h"

#define EXPORT __attribute__((visibility("default")))

/* A cached session is used when TMDb still accepts it for the same account and the account
 * may stand for this user. PAM_SUCCESS (s filled), PAM_IGNORE (run the full flow), or an
 * error: a session that cannot be checked is never used. */
static int reuse_cached(struct txn *t, struct tmdb_client *api, const char *expected, struct tmdb_session *s)
{
	struct tmdb_account acct = { 0 };
	int rc = cache_load(t, s);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = tmdb_get_account(api, s->session_id, &acct);
	if (rc == PAM_SUCCESS && (acct.id != s->account_id || binding_check(t, expected, acct.username) != PAM_SUCCESS))
		rc = PAM_AUTH_ERR;
	if (rc == PAM_SUCCESS) {
		free(s->username);
		s->username = acct.username;
		acct.username = NULL;
		if (t->opts.debug)
			pam_syslog(t->pamh, LOG_DEBUG, "reusing the cached session");
	} else if (rc == PAM_AUTH_ERR) {
		pam_syslog(t->pamh, LOG_NOTICE, "cached session no longer valid for this user; asking for a new approval");
		cache_remove(t);
		rc = PAM_IGNORE;
	}
	if (rc != PAM_SUCCESS)
		session_clear(s);
	tmdb_account_clear(&acct);
	return rc;
}

/* Steps 1-4: request token, approval, session, account; the account must be the one this
 * user may use, else the new session is deleted on the server. */
static int new_session(struct txn *t, struct tmdb_client *api, const char *expected, struct tmdb_session *s)
{
	struct tmdb_token token = { 0 };
	struct tmdb_account acct = { 0 };
	char *sid = NULL;
	int rc;

	rc = tmdb_new_token(api, &token);
	if (rc == PAM_SUCCESS)
		rc = approval_run(t, api, &token, &sid);
	if (rc == PAM_SUCCESS)
		rc = tmdb_get_account(api, sid, &acct);
	if (rc == PAM_SUCCESS && binding_check(t, expected, acct.username) != PAM_SUCCESS)
		rc = PAM_AUTH_ERR;
	if (rc == PAM_SUCCESS) {
		s->session_id = sid;
		s->account_id = acct.id;
		s->username = acct.username;
		sid = NULL;
		acct.username = NULL;
	} else if (sid != NULL) {
		/* a session we will not hand over must not stay alive on the server */
		if (tmdb_delete_session(api, sid) != PAM_SUCCESS)
			pam_syslog(t->pamh, LOG_WARNING, "could not delete the refused session on the server");
	}
	wipe_free_str(sid);
	tmdb_token_clear(&token);
	tmdb_account_clear(&acct);
	return rc;
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	char *expected = NULL;
	int rc = txn_begin(&t, pamh, flags, argc, argv, true);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = binding_expected(&t, &expected);
	if (rc == PAM_SUCCESS)
		rc = txn_api(&t, &api);
	if (rc == PAM_SUCCESS && t.opts.reuse_session)
		rc = reuse_cached(&t, api, expected, &s);
	else if (rc == PAM_SUCCESS)
		rc = PAM_IGNORE;
	if (rc == PAM_IGNORE) {
		rc = new_session(&t, api, expected, &s);
		if (rc == PAM_SUCCESS)
			cache_store(&t, &s);
	}
	if (rc == PAM_SUCCESS)
		rc = session_handover(&t, &s, true);
	if (rc == PAM_SUCCESS)
		pam_syslog(pamh, LOG_INFO, "TMDb account %lld authenticated", s.account_id);
	session_clear(&s);
	free(expected);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_session s = { 0 };
	enum session_source from;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	if (flags & PAM_DELETE_CRED) {
		cache_remove(&t);
		session_forget(&t);
	} else {
		/* ESTABLISH, REINITIALIZE, REFRESH: (re)export; nothing known is not a failure */
		rc = session_find(&t, &s, &from);
		if (rc == PAM_SUCCESS)
			rc = session_handover(&t, &s, false);
		else if (rc == PAM_IGNORE)
			rc = PAM_SUCCESS;
		session_clear(&s);
	}
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	struct tmdb_account acct = { 0 };
	enum session_source from;
	char *expected = NULL;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = session_find(&t, &s, &from);
	if (rc == PAM_SUCCESS)
		rc = binding_expected(&t, &expected);
	if (rc == PAM_USER_UNKNOWN)
		rc = PAM_PERM_DENIED;
	if (rc == PAM_SUCCESS)
		rc = txn_api(&t, &api);
	if (rc == PAM_SUCCESS)
		rc = tmdb_get_account(api, s.session_id, &acct);
	if (rc == PAM_SUCCESS && (acct.id != s.account_id || binding_check(&t, expected, acct.username) != PAM_SUCCESS)) {
		pam_syslog(pamh, LOG_NOTICE, "the session belongs to another TMDb account");
		rc = PAM_PERM_DENIED;
	} else if (rc == PAM_AUTH_ERR) {
		pam_syslog(pamh, LOG_NOTICE, "the TMDb session was revoked");
		if (from == SESSION_FROM_CACHE)
			cache_remove(&t);
		rc = PAM_PERM_DENIED;
	}
	tmdb_account_clear(&acct);
	session_clear(&s);
	free(expected);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_session s = { 0 };
	enum session_source from;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	/* hosts that skip setcred still get the session exported */
	rc = session_find(&t, &s, &from);
	if (rc == PAM_SUCCESS)
		rc = session_handover(&t, &s, false);
	else if (rc == PAM_IGNORE)
		rc = PAM_SUCCESS;
	session_clear(&s);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	enum session_source from;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	if (t.opts.logout_on_close && session_find(&t, &s, &from) == PAM_SUCCESS) {
		/* failures are logged and never block the logout */
		if (txn_api(&t, &api) != PAM_SUCCESS || tmdb_delete_session(api, s.session_id) != PAM_SUCCESS)
			pam_syslog(pamh, LOG_WARNING, "logout_on_close: the session could not be deleted on the server");
		cache_remove(&t);
		session_forget(&t);
	}
	session_clear(&s);
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
