/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "tmdb_v4.h"
#include "wipe.h"

#define ENV_SID "TMDB_SESSION_ID"
#define ENV_ID "TMDB_ACCOUNT_ID"
#define ENV_USER "TMDB_ACCOUNT_USERNAME"
/* flow=v4 only */
#define ENV_TOKEN "TMDB_ACCESS_TOKEN"
#define ENV_OBJECT_ID "TMDB_ACCOUNT_OBJECT_ID"

static void data_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	if (data != NULL) {
		session_clear(data);
		free(data);
	}
}

static int putenv_pair(pam_handle_t *pamh, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *pair = malloc(n);
	int rc;
	if (pair == NULL)
		return PAM_BUF_ERR;
	snprintf(pair, n, "%s=%s", name, value);
	rc = pam_putenv(pamh, pair); /* libpam copies it */
	wipe_free(pair, n);
	return rc;
}

/* Removes name from the PAM environment if it is there ("NAME" without '=' removes; libpam
 * answers an error for a name it does not hold). */
static void unsetenv_pam(pam_handle_t *pamh, const char *name)
{
	if (pam_getenv(pamh, name) != NULL)
		pam_putenv(pamh, name);
}

/* The v4 half of the hand-over: both variables for a v4 credential, neither for a v3 one (the
 * environment describes the credential handed over, nothing older). */
static int export_v4(pam_handle_t *pamh, const struct tmdb_session *s)
{
	int rc;
	if (s->access_token == NULL) {
		unsetenv_pam(pamh, ENV_TOKEN);
		unsetenv_pam(pamh, ENV_OBJECT_ID);
		return PAM_SUCCESS;
	}
	rc = putenv_pair(pamh, ENV_TOKEN, s->access_token);
	if (rc == PAM_SUCCESS)
		rc = putenv_pair(pamh, ENV_OBJECT_ID, s->account_object_id);
	return rc;
}

int session_handover(pam_handle_t *pamh, const struct tmdb_session *s, bool export_env, bool announce)
{
	struct tmdb_session *copy = malloc(sizeof(*copy));
	char id[32];
	int rc;

	if (copy == NULL)
		return PAM_BUF_ERR;
	if (session_copy(copy, s) != 0) {
		free(copy);
		return PAM_BUF_ERR;
	}
	rc = pam_set_data(pamh, SESSION_DATA_NAME, copy, data_cleanup);
	if (rc != PAM_SUCCESS) {
		data_cleanup(pamh, copy, 0);
		return rc;
	}
	if (export_env) {
		snprintf(id, sizeof(id), "%lld", s->account_id);
		rc = putenv_pair(pamh, ENV_SID, s->session_id);
		if (rc == PAM_SUCCESS)
			rc = putenv_pair(pamh, ENV_ID, id);
		if (rc == PAM_SUCCESS)
			rc = putenv_pair(pamh, ENV_USER, s->username);
		if (rc == PAM_SUCCESS)
			rc = export_v4(pamh, s);
		if (rc != PAM_SUCCESS) {
			pam_syslog(pamh, LOG_ERR, "cannot set the PAM environment: %s", pam_strerror(pamh, rc));
			return rc;
		}
	}
	if (announce) {
		/* the one message allowed to carry a session id (conv_session=yes, and not
		 * PAM_SILENT: the caller decides). A v4 access token is never sent in a message:
		 * hosts that want it read the environment. */
		size_t n = strlen(s->session_id) + sizeof(ENV_SID "=");
		char *msg = malloc(n);
		struct conv_round r = { 0 };
		if (msg == NULL)
			return PAM_BUF_ERR;
		snprintf(msg, n, ENV_SID "=%s", s->session_id);
		conv_add(&r, PAM_TEXT_INFO, msg);
		rc = conv_send(pamh, &r, NULL);
		wipe_free(msg, n);
	}
	return rc;
}

/* The v4 half of an environment credential: PAM_SUCCESS (both set and well formed, or both
 * absent), PAM_IGNORE (malformed or half there: logged), PAM_BUF_ERR. */
static int v4_from_env(pam_handle_t *pamh, struct tmdb_session *s)
{
	const char *tok = pam_getenv(pamh, ENV_TOKEN);
	const char *oid = pam_getenv(pamh, ENV_OBJECT_ID);

	if (tok == NULL && oid == NULL)
		return PAM_SUCCESS;
	if (tok == NULL || oid == NULL || !tmdb_v4_is_token(tok) || !tmdb_v4_is_object_id(oid)) {
		pam_syslog(pamh, LOG_WARNING, "ignoring a malformed " ENV_TOKEN "/" ENV_OBJECT_ID " in the PAM environment");
		return PAM_IGNORE;
	}
	s->access_token = strdup(tok);
	s->account_object_id = strdup(oid);
	return s->access_token != NULL && s->account_object_id != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
}

static int from_env(pam_handle_t *pamh, struct tmdb_session *s)
{
	const char *sid = pam_getenv(pamh, ENV_SID);
	const char *id = pam_getenv(pamh, ENV_ID);
	const char *user = pam_getenv(pamh, ENV_USER);
	char *end = NULL;
	long long n;
	int rc;

	if (sid == NULL || id == NULL || user == NULL)
		return PAM_IGNORE;
	errno = 0;
	n = strtoll(id, &end, 10);
	if (!tmdb_is_session_id(sid) || errno != 0 || end == id || *end != '\0' || n <= 0) {
		pam_syslog(pamh, LOG_WARNING, "ignoring a malformed " ENV_SID "/" ENV_ID " in the PAM environment");
		return PAM_IGNORE;
	}
	memset(s, 0, sizeof(*s));
	s->account_id = n;
	s->session_id = strdup(sid);
	s->username = strdup(user);
	rc = s->session_id == NULL || s->username == NULL ? PAM_BUF_ERR : v4_from_env(pamh, s);
	if (rc != PAM_SUCCESS)
		session_clear(s);
	return rc;
}

int session_find(pam_handle_t *pamh, struct tmdb_session *s)
{
	const void *data = NULL;

	if (pam_get_data(pamh, SESSION_DATA_NAME, &data) == PAM_SUCCESS && data != NULL)
		return session_copy(s, data) == 0 ? PAM_SUCCESS : PAM_BUF_ERR;
	return from_env(pamh, s);
}

void session_forget(pam_handle_t *pamh)
{
	pam_set_data(pamh, SESSION_DATA_NAME, NULL, NULL);
	unsetenv_pam(pamh, ENV_SID);
	unsetenv_pam(pamh, ENV_ID);
	unsetenv_pam(pamh, ENV_USER);
	unsetenv_pam(pamh, ENV_TOKEN);
	unsetenv_pam(pamh, ENV_OBJECT_ID);
}
