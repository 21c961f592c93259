/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "login_guard.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "journal.h"
#include "options.h"
#include "revoke.h"

struct login_guard {
	pid_t owner;
	int argc;
	const char **argv; /* copies, owned */
	char *state_dir;
	char record[JOURNAL_NAME_LEN];
	struct tmdb_session s;
};

static void guard_free(struct login_guard *g)
{
	if (g->argv != NULL)
		for (int i = 0; i < g->argc; i++)
			free((char *)(uintptr_t)g->argv[i]);
	free((void *)(uintptr_t)g->argv);
	free(g->state_dir);
	session_clear(&g->s);
	free(g);
}

static void remove_record(pam_handle_t *pamh, const struct login_guard *g)
{
	struct journal j;
	if (g->record[0] == '\0' || journal_open(pamh, g->state_dir, &j) != 0)
		return;
	journal_remove(&j, pamh, g->record, NULL);
	journal_close(&j);
}

/* The login did not go on: nothing of it may stay alive on the server. */
static void revoke_refused(pam_handle_t *pamh, struct login_guard *g, int status)
{
	struct tmdb_options o;
	int rc = options_load(pamh, g->argc, g->argv, &o);

	if (rc == PAM_SUCCESS) {
		rc = revoke_standalone(pamh, &o, &g->s, "login refused after authentication");
		options_free(&o);
	}
	if (rc == PAM_SUCCESS) {
		pam_syslog(pamh, LOG_NOTICE, "the login ended with \"%s\" after authentication: its TMDb session was deleted",
			   pam_strerror(pamh, status));
		remove_record(pamh, g);
	} else if (g->record[0] != '\0') {
		pam_syslog(pamh, LOG_WARNING, "the session of a refused login stays in the journal, to be revoked later");
	}
}

static void guard_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct login_guard *g = data;
	int status = error_status & ~(PAM_DATA_SILENT | PAM_DATA_REPLACE);

	if (g == NULL)
		return;
	/* replaced or disarmed by the module itself; or a forked child's copy of the handle */
	if ((error_status & PAM_DATA_REPLACE) == 0 && g->owner == getpid()) {
		if (status == PAM_SUCCESS)
			remove_record(pamh, g); /* the host keeps the session it was handed */
		else
			revoke_refused(pamh, g, status);
	}
	guard_free(g);
}

int login_guard_arm(pam_handle_t *pamh, int argc, const char **argv, const char *state_dir,
		    const struct tmdb_session *s, const char *record)
{
	struct login_guard *g = calloc(1, sizeof(*g));
	int rc;

	if (g == NULL)
		return PAM_BUF_ERR;
	g->owner = getpid();
	g->argv = calloc((size_t)argc + 1, sizeof(char *));
	if (g->argv == NULL)
		goto oom;
	for (g->argc = 0; g->argc < argc; g->argc++) {
		g->argv[g->argc] = strdup(argv[g->argc]);
		if (g->argv[g->argc] == NULL)
			goto oom;
	}
	if (state_dir != NULL && (g->state_dir = strdup(state_dir)) == NULL)
		goto oom;
	if (record != NULL)
		snprintf(g->record, sizeof(g->record), "%s", record);
	if (session_copy(&g->s, s) != 0)
		goto oom;
	rc = pam_set_data(pamh, LOGIN_GUARD_DATA_NAME, g, guard_cleanup);
	if (rc != PAM_SUCCESS)
		guard_free(g);
	return rc;
oom:
	guard_free(g);
	return PAM_BUF_ERR;
}

void login_guard_record(pam_handle_t *pamh, char *name)
{
	const void *data = NULL;
	const struct login_guard *g;
	name[0] = '\0';
	if (pam_get_data(pamh, LOGIN_GUARD_DATA_NAME, &data) != PAM_SUCCESS || data == NULL)
		return;
	g = data;
	if (g->owner == getpid())
		snprintf(name, JOURNAL_NAME_LEN, "%s", g->record);
}

void login_guard_disarm(pam_handle_t *pamh)
{
	const void *data = NULL;
	if (pam_get_data(pamh, LOGIN_GUARD_DATA_NAME, &data) == PAM_SUCCESS && data != NULL)
		pam_set_data(pamh, LOGIN_GUARD_DATA_NAME, NULL, NULL);
}
