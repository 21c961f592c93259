/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "lifetime.h"

#include <syslog.h>

#include <security/pam_ext.h>

#include "journal.h"
#include "login_guard.h"
#include "reaper.h"

/* Orphans one authentication revokes at most, after its own steps: bounds what a login waits
 * for when many were left (tmdbctl revoke --orphans and the timer take the rest). */
#define LIFETIME_REAP_MAX 16

static bool recorded(const struct txn *t)
{
	return t->opts.logout_on_close && t->opts.state_dir != NULL;
}

void lifetime_track(struct txn *t, const struct tmdb_session *s)
{
	char name[JOURNAL_NAME_LEN] = "";
	struct journal j;

	if (s->remembered)
		return; /* it outlives the login on purpose */
	if (recorded(t) && journal_open(t->pamh, t->opts.state_dir, &j) == 0) {
		/* in pam_tmdb_helper the record is its caller's, which will open and close the login */
		if (t->hooks != NULL && t->hooks->record != NULL)
			t->hooks->record(t, &j, s, name);
		else
			journal_add(&j, t->pamh, t->user, s, name);
		journal_close(&j);
	}
	if (login_guard_arm(t->pamh, t->argc, t->argv, recorded(t) ? t->opts.state_dir : NULL, s, name) != PAM_SUCCESS)
		pam_syslog(t->pamh, LOG_WARNING, "cannot keep track of the session: a refused login will not delete it");
}

void lifetime_reap(struct txn *t)
{
	char own[JOURNAL_NAME_LEN];
	struct reap_result r;
	struct journal j;

	if (t->api.http == NULL || t->opts.state_dir == NULL || journal_open(t->pamh, t->opts.state_dir, &j) != 0)
		return;
	/* this login's own record, held by pam_tmdb_helper's caller, is the helper's to end */
	login_guard_record(t->pamh, own);
	reaper_run(&j, &t->api, NULL, LIFETIME_REAP_MAX, own[0] != '\0' ? own : NULL, &r);
	journal_close(&j);
	if (r.kept > 0 || r.left > 0)
		pam_syslog(t->pamh, LOG_NOTICE, "session journal: %d orphaned session(s) left for the next run", r.kept + r.left);
}

void lifetime_opened(struct txn *t, const struct tmdb_session *s)
{
	char name[JOURNAL_NAME_LEN];
	struct journal j;

	login_guard_record(t->pamh, name);
	if (t->opts.state_dir != NULL && journal_open(t->pamh, t->opts.state_dir, &j) == 0) {
		if (journal_claim(&j, t->pamh, s->session_id, name) != 0)
			name[0] = '\0';
		journal_close(&j);
	}
	/* (re-)armed here: this process will close the login, or end it */
	login_guard_arm(t->pamh, t->argc, t->argv, t->opts.state_dir, s, name);
}

void lifetime_closed(struct txn *t, const struct tmdb_session *s, bool revoked)
{
	char name[JOURNAL_NAME_LEN];
	struct journal j;

	login_guard_record(t->pamh, name);
	login_guard_disarm(t->pamh);
	if (!revoked || s == NULL || t->opts.state_dir == NULL)
		return;
	if (journal_open(t->pamh, t->opts.state_dir, &j) == 0) {
		journal_remove(&j, t->pamh, name, s->session_id);
		journal_close(&j);
	}
}
