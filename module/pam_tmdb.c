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
#include "conv.h"
#include "flow_v4.h"
#include "refusal.h"
#include "scope.h"
#include "session.h"
#include "tmdb_api.h"
#include "tmdb_v4.h"
#include "txn.h"
#include "wipe.h"

#define EXPORT __attribute__((visibility("default")))

/* The remembered session of reuse_session=yes (trusted-device mode); never consulted
 * otherwise, so that a stored session can not stand in for a person's approval. Only an entry
 * of the configured flow counts: a v4 host expects the access token a v3 entry lacks, and a
 * v3 host does not know to revoke the one a v4 entry holds. */
static int remembered(struct txn *t, struct tmdb_session *s)
{
	int rc;
	if (!t->opts.reuse_session)
		return PAM_IGNORE;
	rc = cache_load(t->pamh, t->opts.cache_dir, t->user, s);
	if (rc == PAM_SUCCESS && (s->access_token != NULL) != (t->opts.flow == FLOW_V4)) {
		if (t->opts.debug)
			pam_syslog(t->pamh, LOG_DEBUG, "reuse_session: the remembered session is of the other flow; not used");
		session_clear(s);
		rc = PAM_IGNORE;
	}
	return rc;
}

/* Ends a credential on the server: the session and, after a v4 login, the user's access
 * token; each is tried whatever the other gave. Failures are logged (why: who asked). */
static void revoke_credential(struct txn *t, struct tmdb_client *api, const struct tmdb_session *s, const char *why)
{
	if (tmdb_delete_session(api, s->session_id) != PAM_SUCCESS)
		pam_syslog(t->pamh, LOG_WARNING, "%s: the session could not be deleted on the server", why);
	if (s->access_token != NULL && tmdb_v4_delete_access_token(api, s->access_token) != PAM_SUCCESS)
		pam_syslog(t->pamh, LOG_WARNING, "%s: the v4 access token could not be revoked on the server", why);
}

/* This login's session (module data, PAM environment), else the remembered one. */
static int find_session(struct txn *t, struct tmdb_session *s, bool *from_cache)
{
	int rc = session_find(t, s);
	*from_cache = false;
	if (rc == PAM_IGNORE) {
		rc = remembered(t, s);
		*from_cache = rc == PAM_SUCCESS;
	}
	return rc;
}

/* A remembered session is used when TMDb still accepts it for the same account and the
 * account may stand for this user. PAM_SUCCESS (s filled), PAM_IGNORE (run the full flow),
 * or an error: a session that cannot be checked is never used. */
static int reuse_remembered(struct txn *t, struct tmdb_client *api, const struct binding *b, struct tmdb_session *s)
{
	struct tmdb_account acct = { 0 };
	int rc = remembered(t, s);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = tmdb_get_account(api, s->session_id, &acct);
	if (rc == PAM_SUCCESS && (acct.id != s->account_id || binding_check(t, b, &acct) != PAM_SUCCESS))
		rc = PAM_AUTH_ERR;
	if (rc == PAM_SUCCESS) {
		free(s->username);
		s->username = acct.username;
		acct.username = NULL;
		s->remembered = true;
		if (t->opts.debug)
			pam_syslog(t->pamh, LOG_DEBUG, "reuse_session: using the remembered session");
	} else if (rc == PAM_AUTH_ERR) {
		pam_syslog(t->pamh, LOG_NOTICE, "remembered session no longer valid for this user; asking for a new approval");
		cache_remove(t->pamh, t->opts.cache_dir, t->user);
		rc = PAM_IGNORE;
	}
	if (rc != PAM_SUCCESS)
		session_clear(s);
	tmdb_account_clear(&acct);
	return rc;
}

/* v3 steps 1-3: request token, approval, session (s->session_id). */
static int login_v3(struct txn *t, struct tmdb_client *api, struct tmdb_session *s)
{
	struct tmdb_token token = { 0 };
	int rc = tmdb_new_token(api, &token);
	if (rc == PAM_SUCCESS)
		rc = approval_run(t, api, &token, &s->session_id);
	tmdb_token_clear(&token);
	return rc;
}

/* A login of the configured flow (v3: a session; v4: an access token converted into a
 * session), then the account: it must be the one this user may use, else the new credential
 * is revoked on the server and *refused_as (free()) names the account that approved. */
static int new_session(struct txn *t, struct tmdb_client *api, const struct binding *b, struct tmdb_session *s,
		       char **refused_as)
{
	struct tmdb_session got = { 0 };
	struct tmdb_account acct = { 0 };
	int rc = t->opts.flow == FLOW_V4 ? flow_v4_login(t, api, &got) : login_v3(t, api, &got);

	if (rc == PAM_SUCCESS)
		rc = tmdb_get_account(api, got.session_id, &acct);
	if (rc == PAM_SUCCESS && binding_check(t, b, &acct) != PAM_SUCCESS) {
		rc = PAM_AUTH_ERR;
		*refused_as = acct.username;
		acct.username = NULL;
	}
	if (rc == PAM_SUCCESS) {
		got.account_id = acct.id;
		got.username = acct.username;
		acct.username = NULL;
		*s = got;
		memset(&got, 0, sizeof(got));
	} else if (got.session_id != NULL) {
		/* a credential we will not hand over must not stay alive on the server */
		revoke_credential(t, api, &got, "refused login");
	}
	session_clear(&got);
	tmdb_account_clear(&acct);
	return rc;
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	struct binding b = { 0 };
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
	rc = scope_check(pamh, t.user, t.opts.minimum_uid, t.opts.debug);
	if (rc != PAM_SUCCESS)
		goto out; /* out of scope (PAM_IGNORE): no request at all */
	rc = binding_expected(&t, &b);
	if (rc == PAM_SUCCESS)
		rc = txn_api(&t, &api);
	if (rc == PAM_SUCCESS)
		rc = reuse_remembered(&t, api, &b, &s);
	if (rc == PAM_IGNORE && !conv_available(pamh)) {
		/* nobody to show the URL to: refuse now rather than spend a request token */
		pam_syslog(pamh, LOG_ERR, "the host gave no conversation function: cannot ask for an approval");
		rc = PAM_CONV_ERR;
	}
	if (rc == PAM_IGNORE) {
		rc = new_session(&t, api, &b, &s, &refused_as);
		if (rc == PAM_SUCCESS && t.opts.reuse_session)
			s.remembered = cache_store(pamh, t.opts.cache_dir, t.user, &s);
	}
	if (rc == PAM_SUCCESS)
		rc = session_handover(&t, &s, true);
	if (rc == PAM_SUCCESS)
		pam_syslog(pamh, LOG_INFO, "TMDb account %lld authenticated%s", s.account_id,
			   s.access_token != NULL ? " (v4 access token, converted to a session)" : "");
	else
		refusal_tell(pamh, flags, rc, t.user, refused_as);
out:
	free(refused_as);
	session_clear(&s);
	binding_clear(&b);
	txn_end(&t);
	return rc;
}

/* (Re)exports this login's session, else the remembered one; nothing known is not a failure
 * (sshd drops the connection when setcred fails). */
static int reexport(struct txn *t)
{
	struct tmdb_session s = { 0 };
	bool from_cache;
	int rc = find_session(t, &s, &from_cache);
	if (rc == PAM_SUCCESS)
		rc = session_handover(t, &s, false);
	else if (rc == PAM_IGNORE)
		rc = PAM_SUCCESS;
	session_clear(&s);
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
	rc = reexport(&t);
	txn_end(&t);
	return rc;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	struct tmdb_account acct = { 0 };
	struct binding b = { 0 };
	bool from_cache = false;
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = scope_check(pamh, t.user, t.opts.minimum_uid, t.opts.debug);
	if (rc == PAM_SUCCESS)
		rc = find_session(&t, &s, &from_cache);
	if (rc == PAM_SUCCESS)
		rc = binding_expected(&t, &b);
	if (rc == PAM_USER_UNKNOWN)
		rc = PAM_PERM_DENIED;
	if (rc == PAM_SUCCESS)
		rc = txn_api(&t, &api);
	if (rc == PAM_SUCCESS)
		rc = tmdb_get_account(api, s.session_id, &acct);
	if (rc == PAM_SUCCESS && (acct.id != s.account_id || binding_check(&t, &b, &acct) != PAM_SUCCESS)) {
		pam_syslog(pamh, LOG_NOTICE, "the session belongs to another TMDb account");
		rc = PAM_PERM_DENIED;
	} else if (rc == PAM_AUTH_ERR) {
		pam_syslog(pamh, LOG_NOTICE, "the TMDb session was revoked");
		if (from_cache)
			cache_remove(pamh, t.opts.cache_dir, t.user);
		rc = PAM_PERM_DENIED;
	}
	tmdb_account_clear(&acct);
	session_clear(&s);
	binding_clear(&b);
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
	rc = reexport(&t);
	txn_end(&t);
	return rc;
}

/* Does s outlive the login as the remembered session (reuse_session=yes)? Module data says so
 * exactly; a session found in the PAM environment (another process, as under sshd) is compared
 * with the cache entry. */
static bool is_remembered(struct txn *t, const struct tmdb_session *s)
{
	struct tmdb_session r = { 0 };
	bool same;
	if (s->remembered)
		return true;
	same = remembered(t, &r) == PAM_SUCCESS && strcmp(r.session_id, s->session_id) == 0;
	session_clear(&r);
	return same;
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct txn t;
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	int rc = txn_begin(&t, pamh, flags, argc, argv, false);

	if (rc != PAM_SUCCESS)
		return rc;
	/* only this login's own session: another login of the same user holds its own */
	if (t.opts.logout_on_close && session_find(&t, &s) == PAM_SUCCESS && !is_remembered(&t, &s)) {
		/* failures are logged and never block the logout; after a v4 login the access
		 * token goes with the session */
		if (txn_api(&t, &api) != PAM_SUCCESS)
			pam_syslog(pamh, LOG_WARNING, "logout_on_close: the session could not be deleted on the server");
		else
			revoke_credential(&t, api, &s, "logout_on_close");
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
