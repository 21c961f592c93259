/* SPDX-License-Identifier: BSD-3-Clause */
/* outcome.c: what becomes of the login pam_tmdb_helper handed a session to (outcome.h). */
#include "config.h"
#include "outcome.h"

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "helper_proto.h"
#include "journal.h"
#include "lifetime.h"
#include "login_guard.h"
#include "proc_id.h"
#include "relay.h"
#include "revoke.h"
#include "session.h"
#include "txn_api.h"

#define HELPER_MAX_RECORDS 64 /* open logins of one user the helper records */

/* The process that called the helper, which holds the login it authenticates (it will open
 * and close it): the peer of the helper's socket (SO_PEERCRED), checked to run as the caller's
 * uid, so that a socket of another user's process names nobody. pid 0 when it cannot be told. */
static struct proc_id host;

void outcome_identify_host(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	host.pid = 0;
	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred) ||
	    cred.pid <= 0 || cred.uid != getuid() || proc_start_time(cred.pid, &host.start) != 0) {
		relay_audit(LOG_WARNING, "session journal: cannot tell which process holds the login");
		return;
	}
	host.pid = cred.pid;
}

/* The host's going away is told apart from its closing the socket on purpose (an exec). */
static bool host_running(void)
{
	return host.pid != 0 && proc_running(&host);
}

/* Records of one user, counted (record_for_host). */
struct own_count {
	const char *user;
	int n;
};

static int count_own(void *ctx, const char *name, const struct journal_entry *e)
{
	struct own_count *c = ctx;
	(void)name;
	if (strcmp(e->user, c->user) == 0)
		c->n++;
	return 0;
}

/* txn_hooks.record: the journal record of the login this authentication hands over, held by
 * the host itself (claimed at once, durable), written before the session is handed over. When
 * the host dies before it closes the login, the record is an orphan and its session is
 * revoked by the next authentication on the host or tmdbctl revoke --orphans. The record is
 * the caller's (owned by its uid, the helper's group, 0600), and root's readers take it only
 * when it names that same user. */
static int record_for_host(struct txn *t, struct journal *j, const struct tmdb_session *s, char *name)
{
	struct own_count count = { t->user, 0 };

	name[0] = '\0';
	if (host.pid == 0) {
		pam_syslog(t->pamh, LOG_WARNING, "session journal: the process that holds the login is unknown; the "
			   "session is not recorded");
		return -1;
	}
	/* a user's records are bounded: the helper writes into a directory of root's */
	journal_walk(j, t->pamh, false, count_own, &count);
	if (count.n >= HELPER_MAX_RECORDS) {
		pam_syslog(t->pamh, LOG_WARNING, "session journal: %s already has %d records; this session is not "
			   "recorded", t->user, count.n);
		return -1;
	}
	return journal_add_held(j, t->pamh, t->user, s, &host, name);
}

/* txn_hooks.credential_pending: a request that may create the session is seen through even
 * when the host goes meanwhile (the session is then deleted); between tries the helper ends
 * with its host. */
static void credential_pending(bool pending)
{
	relay_set_state(pending ? RELAY_FINISHING : RELAY_EXITABLE);
}

const struct txn_hooks outcome_hooks = { credential_pending, record_for_host };

/* The session handed over is deleted on the server and its record removed; a record stays
 * when TMDb cannot be reached (the reaper retries). PAM_SUCCESS when nothing is left alive. */
int outcome_end_login(struct txn *t, const char *why)
{
	struct tmdb_session s = { 0 };
	struct tmdb_client *api = NULL;
	bool found = session_find(t->pamh, &s) == PAM_SUCCESS;
	int rc = found ? txn_api(t, &api) : PAM_SUCCESS;

	if (found && rc == PAM_SUCCESS)
		rc = revoke_credential(api, &s, why);
	else if (found)
		pam_syslog(t->pamh, LOG_WARNING, "%s: the session could not be deleted on the server", why);
	if (found && rc == PAM_SUCCESS)
		session_forget(t->pamh);
	/* removes the record (when revoked) and disarms the guard of flow_authenticate */
	lifetime_closed(t, found ? &s : NULL, rc == PAM_SUCCESS);
	session_clear(&s);
	return rc;
}

/* A credential request: the host keeps the session, the record goes. */
static void forget_record(struct txn *t)
{
	char name[JOURNAL_NAME_LEN];
	struct journal j;

	login_guard_record(t->pamh, name);
	login_guard_disarm(t->pamh);
	if (name[0] != '\0' && journal_open(t->pamh, t->opts.state_dir, &j) == 0) {
		journal_remove(&j, t->pamh, name, NULL);
		journal_close(&j);
	}
}

/* After TAKEN: the helper stays until the host's login is set up, and does what its outcome
 * asks (helper_proto.h enum hp_outcome). Without one (the socket closed, bad input, or
 * HP_HOLD_TIMEOUT_MS passed): a host that is gone cannot close its login, so its session is
 * deleted now (unless the login keeps it: logout_on_close=no); a host that still runs keeps
 * its record, which the reaper judges once it is gone. */
void outcome_settle(struct txn *t)
{
	struct hp_result res = { 0 };
	uint32_t outcome = 0;
	int got = relay_read_outcome(HP_HOLD_TIMEOUT_MS, &outcome), rc = PAM_SUCCESS;

	if (got == 0 && outcome == HP_CLAIM) {
		char name[JOURNAL_NAME_LEN];
		login_guard_record(t->pamh, name);
		res.forget = name[0] != '\0'; /* recorded: a pam_end(PAM_SUCCESS) asks FORGET */
		login_guard_disarm(t->pamh); /* the host holds the login and its record */
	} else if (got == 0 && outcome == HP_FORGET) {
		forget_record(t);
	} else if (got == 0) {
		rc = outcome_end_login(t, "login refused after authentication");
		if (rc == PAM_SUCCESS)
			pam_syslog(t->pamh, LOG_NOTICE, "the login did not go on after authentication: the helper ended "
				   "its TMDb session");
	} else if (!host_running() && t->opts.logout_on_close) {
		if (outcome_end_login(t, "the host is gone before its login was set up") == PAM_SUCCESS)
			relay_audit(LOG_NOTICE, "the host is gone before its login was set up; its session was ended on "
				    "the server");
	} else {
		login_guard_disarm(t->pamh); /* recorded, held by the host: the reaper's */
		if (host_running())
			relay_audit(LOG_NOTICE, "the host let go without saying what became of its login; its session "
				    "stays recorded, held by the host");
	}
	if (got == 0) {
		res.rc = (uint32_t)rc;
		relay_send_result(&res);
	}
}
