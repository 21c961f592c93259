/* SPDX-License-Identifier: BSD-3-Clause */
/* flow.c: the order of the steps of each entry point; every step itself lives in a unit
 * below (see flow.h). */
#include "config.h"
#include "flow.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "approval.h"
#include "binding.h"
#include "cache.h"
#include "conv.h"
#include "flow_v4.h"
#include "lifetime.h"
#include "return_to.h"
#include "revoke.h"
#include "scope.h"
#include "session.h"
#include "tmdb_api.h"
#include "tmdb_v4.h"
#include "txn_api.h"
#include "userlog.h"

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

/* This login's session (module data, PAM environment), else the remembered one. */
static int find_session(struct txn *t, struct tmdb_session *s, bool *from_cache)
{
	int rc = session_find(t->pamh, s);
	*from_cache = false;
	if (rc == PAM_IGNORE) {
		rc = remembered(t, s);
		*from_cache = rc == PAM_SUCCESS;
	}
	return rc;
}

static int expected_binding(struct txn *t, struct binding *b)
{
	return binding_expected(t->pamh, &t->opts, t->user, b);
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
	if (rc == PAM_SUCCESS && (acct.id != s->account_id || binding_check(t->pamh, b, &acct) != PAM_SUCCESS))
		rc = PAM_AUTH_ERR;
	if (rc == PAM_SUCCESS) {
		free(s->username);
		s->username = acct.username;
		acct.username = NULL;
		s->remembered = true;
		if (t->opts.debug)
			pam_syslog(t->pamh, LOG_DEBUG, "reuse_session: using the remembered session");
	} else if (rc == PAM_AUTH_ERR) {
		userlog(t->pamh, LOG_NOTICE, t->user, "remembered session no longer valid for this user; asking for a new approval");
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
	struct approval_host host = { t->pamh, t->flags, &t->opts,
				       t->hooks != NULL ? t->hooks->credential_pending : NULL };
	struct tmdb_token token = { 0 };
	int rc = tmdb_new_token(api, &token);
	if (rc == PAM_SUCCESS)
		rc = approval_run(&host, api, &token, &s->session_id);
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
	if (rc == PAM_SUCCESS && binding_check(t->pamh, b, &acct) != PAM_SUCCESS) {
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
		revoke_credential(api, &got, "refused login");
	}
	session_clear(&got);
	tmdb_account_clear(&acct);
	return rc;
}

/* The host's return address (return_to.h), taken out of the PAM environment whatever comes of
 * it, replaces redirect_to for this login; a refused one stops the login before any request.
 * PAM_SUCCESS, PAM_IGNORE (out of scope), PAM_SERVICE_ERR, PAM_BUF_ERR. */
static int scope_and_return_to(struct txn *t)
{
	char *value = NULL, *address = NULL;
	int rc = return_to_take(t->pamh, &value);

	if (rc == PAM_SUCCESS)
		rc = scope_check(t->pamh, t->user, t->opts.minimum_uid, t->opts.debug);
	if (rc != PAM_SUCCESS) {
		free(value);
		return rc; /* out of scope (PAM_IGNORE): no request at all */
	}
	rc = return_to_accept(t->pamh, t->opts.allow_return_to, value, &address);
	if (rc == PAM_SUCCESS && address != NULL) {
		free(t->opts.redirect_to);
		t->opts.redirect_to = address;
		t->opts.return_to_in_use = true;
	}
	return rc;
}

int flow_authenticate(struct txn *t, char **refused_as)
{
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	struct binding b = { 0 };
	int rc = scope_and_return_to(t);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = expected_binding(t, &b);
	if (rc == PAM_SUCCESS)
		rc = txn_api(t, &api);
	if (rc == PAM_SUCCESS)
		rc = reuse_remembered(t, api, &b, &s);
	if (rc == PAM_IGNORE && !conv_available(t->pamh)) {
		/* nobody to show the URL to: refuse now rather than spend a request token */
		userlog(t->pamh, LOG_ERR, t->user, "the host gave no conversation function: cannot ask for an approval");
		rc = PAM_CONV_ERR;
	}
	if (rc == PAM_IGNORE) {
		rc = new_session(t, api, &b, &s, refused_as);
		if (rc == PAM_SUCCESS && t->opts.reuse_session)
			s.remembered = cache_store(t->pamh, t->opts.cache_dir, t->user, &s);
	}
	if (rc == PAM_SUCCESS) {
		/* recorded before it is handed over, so that no step after this one can lose it */
		lifetime_track(t, &s);
		rc = session_handover(t->pamh, &s, t->opts.export_env,
				      t->opts.conv_session && !(t->flags & PAM_SILENT));
	}
	if (rc == PAM_SUCCESS)
		userlog(t->pamh, LOG_INFO, t->user, "TMDb account %lld authenticated%s", s.account_id,
			   s.access_token != NULL ? " (v4 access token, converted to a session)" : "");
	session_clear(&s);
	binding_clear(&b);
	/* after this login's own steps, never delaying its approval */
	lifetime_reap(t);
	return rc;
}

int flow_approve_account(struct txn *t, struct tmdb_account *acct)
{
	struct tmdb_client *api = NULL;
	struct tmdb_session got = { 0 };
	int rc = scope_and_return_to(t);

	if (rc == PAM_SUCCESS)
		rc = txn_api(t, &api);
	if (rc == PAM_SUCCESS && !conv_available(t->pamh)) {
		userlog(t->pamh, LOG_ERR, t->user, "the host gave no conversation function: cannot ask for an approval");
		rc = PAM_CONV_ERR;
	}
	if (rc == PAM_SUCCESS)
		rc = t->opts.flow == FLOW_V4 ? flow_v4_login(t, api, &got) : login_v3(t, api, &got);
	if (rc == PAM_SUCCESS)
		rc = tmdb_get_account(api, got.session_id, acct);
	/* it proved who approved; it is nobody's to keep */
	if (got.session_id != NULL)
		revoke_credential(api, &got, "enrolment");
	session_clear(&got);
	return rc;
}

int flow_reexport(struct txn *t)
{
	struct tmdb_session s = { 0 };
	bool from_cache;
	int rc = find_session(t, &s, &from_cache);
	if (rc == PAM_SUCCESS)
		rc = session_handover(t->pamh, &s, t->opts.export_env, false);
	else if (rc == PAM_IGNORE)
		rc = PAM_SUCCESS;
	session_clear(&s);
	return rc;
}

int flow_account(struct txn *t)
{
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	struct tmdb_account acct = { 0 };
	struct binding b = { 0 };
	bool from_cache = false;
	int rc = scope_check(t->pamh, t->user, t->opts.minimum_uid, t->opts.debug);

	if (rc == PAM_SUCCESS)
		rc = find_session(t, &s, &from_cache);
	if (rc == PAM_SUCCESS)
		rc = expected_binding(t, &b);
	if (rc == PAM_USER_UNKNOWN)
		rc = PAM_PERM_DENIED;
	if (rc == PAM_SUCCESS)
		rc = txn_api(t, &api);
	if (rc == PAM_SUCCESS)
		rc = tmdb_get_account(api, s.session_id, &acct);
	if (rc == PAM_SUCCESS && (acct.id != s.account_id || binding_check(t->pamh, &b, &acct) != PAM_SUCCESS)) {
		userlog(t->pamh, LOG_NOTICE, t->user, "the session belongs to another TMDb account");
		rc = PAM_PERM_DENIED;
	} else if (rc == PAM_AUTH_ERR) {
		userlog(t->pamh, LOG_NOTICE, t->user, "the TMDb session was revoked");
		if (from_cache)
			cache_remove(t->pamh, t->opts.cache_dir, t->user);
		else
			lifetime_closed(t, &s, true); /* gone on the server: nothing left to revoke */
		rc = PAM_PERM_DENIED;
	}
	tmdb_account_clear(&acct);
	session_clear(&s);
	binding_clear(&b);
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

int flow_open_session(struct txn *t)
{
	struct tmdb_session s = { 0 };
	int rc = flow_reexport(t);

	/* this process closes the login: it holds its journal record from now on */
	if (rc == PAM_SUCCESS && t->opts.logout_on_close && session_find(t->pamh, &s) == PAM_SUCCESS &&
	    !is_remembered(t, &s))
		lifetime_opened(t, &s);
	session_clear(&s);
	return rc;
}

void flow_logout(struct txn *t)
{
	struct tmdb_client *api = NULL;
	struct tmdb_session s = { 0 };
	bool found = session_find(t->pamh, &s) == PAM_SUCCESS, revoked = false;

	/* only this login's own session: another login of the same user holds its own */
	if (t->opts.logout_on_close && found && !is_remembered(t, &s)) {
		/* after a v4 login the access token goes with the session */
		if (txn_api(t, &api) != PAM_SUCCESS)
			userlog(t->pamh, LOG_WARNING, t->user, "logout_on_close: the session could not be deleted on the server");
		else
			revoked = revoke_credential(api, &s, "logout_on_close") == PAM_SUCCESS;
		session_forget(t->pamh);
	}
	/* the login closed: nothing is left to a refusal, and its record goes with the session */
	lifetime_closed(t, found ? &s : NULL, revoked);
	session_clear(&s);
}
