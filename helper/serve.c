/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "serve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>

#include "conv.h"
#include "enrol.h"
#include "enrol_record.h"
#include "flow.h"
#include "helper_client.h"
#include "journal.h"
#include "module_data.h"
#include "options.h"
#include "outcome.h"
#include "refusal.h"
#include "relay.h"
#include "safe_file.h"
#include "scope.h"
#include "session.h"
#include "tmdb_api.h"
#include "trust.h"
#include "txn.h"

#define TAKEN_TIMEOUT_MS (30 * 1000)
#define MSG_NOT_OWN "Not signed in: a program run by one user may sign in only that user's own account."

/* Printable text without controls (PAM items, the service name). */
static bool plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; s != NULL && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int serve_check_request(const struct hp_request *req)
{
	if (!plain(req->service) || !plain(req->user) || !plain(req->tty) || !plain(req->xdisplay) ||
	    !plain(req->rhost) || !plain(req->enroll)) {
		relay_audit(LOG_WARNING, "bad input from the caller: control characters in a name or PAM item");
		return -1;
	}
	if (req->op == HP_OP_AUTHENTICATE && req->has_session) {
		relay_audit(LOG_WARNING, "bad input from the caller: a session given to authenticate");
		return -1;
	}
	return 0;
}

/* The module arguments the helper takes (helper_client.h); anything else is a configuration
 * error naming the key, as the module itself says it. */
static int check_args(const struct hp_request *req, const char **conf)
{
	*conf = NULL;
	for (uint32_t i = 0; i < req->argc; i++) {
		const char *arg = req->argv[i];
		size_t klen = strcspn(arg, "=");
		char key[33];
		if (strncmp(arg, "conf=", 5) == 0) {
			*conf = arg + 5;
			continue;
		}
		if (klen == 0 || klen > 32) {
			pam_syslog(NULL, LOG_ERR, "module argument: unknown option (name not shown: it does not look like an "
				   "option name)");
			return PAM_SERVICE_ERR;
		}
		memcpy(key, arg, klen);
		key[klen] = '\0';
		if (!helper_arg_allowed(key)) {
			bool showable = strspn(key, "abcdefghijklmnopqrstuvwxyz_") == klen;
			pam_syslog(NULL, LOG_ERR, "module argument: %s cannot be given to pam_tmdb_helper: it takes only "
				   "approval, max_prompts, approval_timeout, poll_interval, qrcode, export_env, "
				   "conv_session, debug and enroll from module arguments", showable ? key : "(name not shown)");
			return PAM_SERVICE_ERR;
		}
	}
	return PAM_SUCCESS;
}

/* The files the settings came from and name must be root's, their whole path included. */
static int check_files(const char *conf, const struct tmdb_options *o)
{
	struct {
		const char *key, *path;
		bool dir, must_exist;
	} files[] = {
		{ "conf", conf != NULL ? conf : TMDB_DEFAULT_CONF, false, conf != NULL },
		{ "api_key_file", o != NULL ? o->api_key_file : NULL, false, true },
		{ "user_map", o != NULL ? o->user_map : NULL, false, false },
		{ "cafile", o != NULL ? o->cafile : NULL, false, true },
		{ "capath", o != NULL ? o->capath : NULL, true, true },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *why = NULL;
		int rc;
		if (files[i].path == NULL)
			continue;
		rc = trust_root_path(files[i].path, files[i].dir, &why);
		if (rc == -ENOENT && !files[i].must_exist)
			continue;
		if (rc != 0) {
			pam_syslog(NULL, LOG_ERR, "%s: pam_tmdb_helper does not use %s: %s", files[i].key, files[i].path, why);
			return PAM_SERVICE_ERR;
		}
	}
	return PAM_SUCCESS;
}

/* NAME=value into the handle's PAM environment, as the host had it. */
static int put_env(pam_handle_t *pamh, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *pair = malloc(n);
	int rc = PAM_BUF_ERR;
	if (pair != NULL) {
		snprintf(pair, n, "%s=%s", name, value);
		rc = pam_putenv(pamh, pair);
		free(pair);
	}
	return rc;
}

/* A PAM handle of the helper's own: no service file is read and no module loaded (its
 * "service" is an empty file, a memfd), the relay as conversation when the host has one. */
static int start_handle(const struct hp_request *req, pam_handle_t **pamh)
{
	static struct pam_conv relay = { relay_conv, NULL };
	static struct pam_conv none = { NULL, NULL };
	char name[16];
	int fd = memfd_create("pam_tmdb_helper", MFD_CLOEXEC), rc;

	if (fd < 0)
		return PAM_SERVICE_ERR;
	snprintf(name, sizeof(name), "%d", fd);
	rc = pam_start_confdir(name, req->user, req->has_conv ? &relay : &none, "/proc/self/fd", pamh);
	close(fd);
	if (rc != PAM_SUCCESS) {
		pam_syslog(NULL, LOG_ERR, "cannot start a PAM handle: %s", pam_strerror(NULL, rc));
		return PAM_SERVICE_ERR;
	}
	if (req->service[0] != '\0')
		rc = pam_set_item(*pamh, PAM_SERVICE, req->service);
	if (rc == PAM_SUCCESS && req->tty != NULL)
		rc = pam_set_item(*pamh, PAM_TTY, req->tty);
	if (rc == PAM_SUCCESS && req->xdisplay != NULL)
		rc = pam_set_item(*pamh, PAM_XDISPLAY, req->xdisplay);
	if (rc == PAM_SUCCESS && req->rhost != NULL)
		rc = pam_set_item(*pamh, PAM_RHOST, req->rhost);
	if (rc == PAM_SUCCESS && req->return_to != NULL)
		rc = put_env(*pamh, "TMDB_RETURN_TO", req->return_to);
	if (rc == PAM_SUCCESS && req->enroll != NULL)
		rc = put_env(*pamh, TMDB_ENROLL_ENV, req->enroll);
	if (rc != PAM_SUCCESS) {
		pam_end(*pamh, rc);
		*pamh = NULL;
	}
	return rc;
}

/* Opens the transaction under the helper's rules. PAM_SUCCESS with t open, or the error
 * (logged; nothing open). */
static int open_txn(const struct hp_request *req, pam_handle_t *pamh, struct txn *t)
{
	const char *conf = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = check_args(req, &conf);

	if (rc == PAM_SUCCESS && conf != NULL && check_files(conf, NULL) != PAM_SUCCESS)
		rc = PAM_SERVICE_ERR; /* before reading it */
	if (rc == PAM_SUCCESS)
		rc = txn_begin(t, pamh, (int)req->flags, (int)req->argc, (const char **)(uintptr_t)req->argv,
			       req->op == HP_OP_AUTHENTICATE);
	if (rc != PAM_SUCCESS) {
		if (rc == PAM_SERVICE_ERR && t->opts.needs_helper)
			pam_syslog(pamh, LOG_ERR, "pam_tmdb_helper cannot read the configuration either: is it installed "
				   "setgid to the group that may read it (pam_tmdb_helper(8))?");
		return rc;
	}
	relay_hide(t->opts.api_key);
	relay_hide(t->opts.access_token);
	if (t->opts.debug)
		pam_syslog(pamh, LOG_DEBUG, "pam_tmdb_helper: %s", req->op == HP_OP_AUTHENTICATE ? "authenticate"
			   : req->op == HP_OP_ACCOUNT ? "acct_mgmt" : req->op == HP_OP_FORGET ? "forget" : "close_session");
	rc = check_files(conf, &t->opts);
	if (rc == PAM_SUCCESS && t->opts.reuse_session) {
		pam_syslog(pamh, LOG_NOTICE, "reuse_session: not used for a host that runs as an ordinary user (the "
			   "remembered sessions are root's)");
		t->opts.reuse_session = false;
	}
	if (rc != PAM_SUCCESS)
		txn_end(t);
	return rc;
}

/* The session a login holds, as module data of the helper's handle (where flow.c finds it). */
static int hold(pam_handle_t *pamh, const struct hp_request *req)
{
	if (!req->has_session)
		return PAM_SUCCESS;
	if (!tmdb_is_session_id(req->session.session_id)) {
		relay_audit(LOG_WARNING, "bad input from the caller: malformed session id");
		return PAM_SERVICE_ERR;
	}
	return session_handover(pamh, &req->session, false, false);
}

/* pam_sm_authenticate's work (pam_tmdb.c), then the hand-over to the host, then its outcome. */
static int authenticate(pam_handle_t *pamh, const struct hp_request *req, struct hp_result *res)
{
	struct txn t;
	char *refused_as = NULL;
	int rc;

	outcome_identify_host();
	rc = open_txn(req, pamh, &t);
	if (rc != PAM_SUCCESS) {
		if (scope_check(pamh, req->user, TMDB_DEFAULT_MINIMUM_UID, false) != PAM_IGNORE)
			refusal_tell(pamh, (int)req->flags, rc, "", NULL);
		res->rc = (uint32_t)rc;
		return relay_send_result(res) == 0 ? rc : PAM_CONV_ERR;
	}
	t.hooks = &outcome_hooks;
	if (t.opts.enroll) {
		/* the caller's own enrolment (enrol.h): told by itself, nothing handed over */
		rc = enrol_run(&t);
		res->rc = (uint32_t)rc;
		txn_end(&t);
		return relay_send_result(res) == 0 ? rc : PAM_CONV_ERR;
	}
	rc = flow_authenticate(&t, &refused_as);
	refusal_tell(pamh, (int)req->flags, rc, t.user, refused_as);
	free(refused_as);
	res->rc = (uint32_t)rc;
	res->export_env = t.opts.export_env;
	if (rc == PAM_SUCCESS && session_find(pamh, &res->session) == PAM_SUCCESS) {
		uint32_t taken = PAM_SERVICE_ERR;
		relay_set_state(RELAY_FINISHING); /* a session in hand: see it through */
		res->has_session = 1;
		if (relay_send_result(res) != 0 || relay_read_taken(TAKEN_TIMEOUT_MS, &taken) != 0 ||
		    taken != PAM_SUCCESS) {
			/* nobody holds it: it must not stay alive on the server */
			outcome_end_login(&t, "the host did not take the session");
			relay_audit(LOG_NOTICE, "the host did not take the session; it was ended on the server");
			rc = PAM_CONV_ERR;
		} else {
			outcome_settle(&t);
		}
	} else if (relay_send_result(res) != 0) {
		rc = PAM_CONV_ERR;
	}
	txn_end(&t);
	return rc;
}

static int account(pam_handle_t *pamh, const struct hp_request *req, struct hp_result *res)
{
	struct txn t;
	int rc = open_txn(req, pamh, &t);
	if (rc == PAM_SUCCESS) {
		rc = hold(pamh, req);
		if (rc == PAM_SUCCESS)
			rc = flow_account(&t);
		txn_end(&t);
	}
	res->rc = (uint32_t)rc;
	relay_send_result(res);
	return rc;
}

static int logout(pam_handle_t *pamh, const struct hp_request *req, struct hp_result *res)
{
	struct txn t;
	struct tmdb_session left = { 0 };
	int rc;

	relay_set_state(RELAY_FINISHING); /* a DELETE is worth finishing if the host goes */
	rc = open_txn(req, pamh, &t);
	if (rc == PAM_SUCCESS) {
		rc = hold(pamh, req);
		if (rc == PAM_SUCCESS) {
			flow_logout(&t);
			/* flow_logout forgets the session it ended */
			res->forget = session_find(pamh, &left) == PAM_IGNORE;
			session_clear(&left);
		}
		txn_end(&t);
	}
	res->rc = (uint32_t)rc;
	relay_send_result(res);
	return rc;
}

/* The host ended its transaction with the session open (pam_end(PAM_SUCCESS) after
 * open_session, no close_session): it keeps the session, as in process; its record goes.
 * Only the caller's own records can be read here, so only those go. */
static int forget(pam_handle_t *pamh, const struct hp_request *req, struct hp_result *res)
{
	struct txn t;
	struct journal j;
	int rc;

	if (!req->has_session || !tmdb_is_session_id(req->session.session_id)) {
		relay_audit(LOG_WARNING, "bad input from the caller: nothing to forget");
		rc = PAM_SERVICE_ERR;
	} else if ((rc = open_txn(req, pamh, &t)) == PAM_SUCCESS) {
		if (t.opts.state_dir != NULL && journal_open(pamh, t.opts.state_dir, &j) == 0) {
			journal_remove(&j, pamh, NULL, req->session.session_id);
			journal_close(&j);
		}
		txn_end(&t);
	}
	res->rc = (uint32_t)rc;
	relay_send_result(res);
	return rc;
}

int serve(const struct hp_request *req)
{
	struct hp_result res;
	pam_handle_t *pamh = NULL;
	int rc;

	memset(&res, 0, sizeof(res));
	/* whom it serves: the caller's own account, before anything is read or sent */
	if (!trust_own_account(req->user)) {
		relay_audit(LOG_WARNING, "refused: asked to serve the user \"%.64s\", not the caller's own account",
			    req->user);
		pam_syslog(NULL, LOG_ERR, "pam_tmdb_helper serves only the caller's own account (uid %u): refused for "
			   "another user", (unsigned)getuid());
		if (req->op == HP_OP_AUTHENTICATE && req->has_conv && !(req->flags & PAM_SILENT)) {
			struct pam_message m = { PAM_ERROR_MSG, MSG_NOT_OWN };
			const struct pam_message *mp = &m;
			struct pam_response *resp = NULL;
			if (relay_conv(1, &mp, &resp, NULL) == PAM_SUCCESS)
				free(resp);
		}
		res.rc = PAM_AUTH_ERR;
		relay_send_result(&res);
		return PAM_AUTH_ERR;
	}
	/* settings only from root's files, whatever the caller's own files say */
	safe_file_require_root();
	rc = start_handle(req, &pamh);
	if (rc != PAM_SUCCESS) {
		res.rc = (uint32_t)rc;
		relay_send_result(&res);
		return rc;
	}
	if (req->op == HP_OP_AUTHENTICATE)
		rc = authenticate(pamh, req, &res);
	else if (req->op == HP_OP_ACCOUNT)
		rc = account(pamh, req, &res);
	else if (req->op == HP_OP_FORGET)
		rc = forget(pamh, req, &res);
	else
		rc = logout(pamh, req, &res);
	hp_result_clear(&res);
	module_data_end(pamh, rc); /* wipes the session, closes the connection */
	pam_end(pamh, rc);
	relay_forget_secrets();
	return rc;
}
