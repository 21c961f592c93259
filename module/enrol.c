/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "enrol.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "enrol_store.h"
#include "flow.h"
#include "return_to.h"
#include "text.h"
#include "userlog.h"

#define MSG_OFF "Not enrolled: self-service enrolment is off (set self_enroll = yes in pam_tmdb.conf to let users enrol their own TMDb account)."
#define MSG_NO_ACTION "This PAM service enrols TMDb accounts and signs nobody in: use tmdb-login --enroll, --unenroll or --enrolled."
#define MSG_NOT_OWN "Not enrolled: a user may enrol, unenrol or see only their own account."
#define MSG_CONFIG "Not enrolled: pam_tmdb is not configured correctly; see the system log."

static void say(struct txn *t, int style, const char *msg)
{
	conv_say(t->pamh, t->flags, style, msg);
}

static int tell(struct txn *t, int style, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int tell(struct txn *t, int style, const char *fmt, ...)
{
	char msg[1024 + ENROL_MAX_ACCOUNTS * (ENROL_LINE_MAX + 4)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(t, style, msg);
	return 0;
}

/* The user's name as it may be shown. */
static void shown_user(const struct txn *t, char out[TEXT_SHOW_MAX + 1])
{
	text_sanitize(out, TEXT_SHOW_MAX + 1, t->user, strlen(t->user));
}

static int show(struct txn *t, int dfd, const char *user)
{
	struct enrol_record r;
	char list[ENROL_MAX_ACCOUNTS * (ENROL_LINE_MAX + 4)] = "";
	size_t o = 0;

	if (enrol_load(t->pamh, dfd, t->user, &r) != 0 || r.n == 0) {
		tell(t, PAM_TEXT_INFO, "No TMDb account is enrolled for %s.", user);
		return PAM_SUCCESS;
	}
	for (size_t i = 0; i < r.n; i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "\n  #%lld %s", r.a[i].id, r.a[i].name);
	tell(t, PAM_TEXT_INFO, "TMDb accounts enrolled for %s (%zu of at most %d):%s", user, r.n, ENROL_MAX_ACCOUNTS,
	     list);
	return PAM_SUCCESS;
}

static int unenrol(struct txn *t, int dfd, const char *user)
{
	int rc = enrol_remove(t->pamh, dfd, t->user);
	if (rc < 0) {
		say(t, PAM_ERROR_MSG, MSG_CONFIG);
		return PAM_SYSTEM_ERR;
	}
	if (rc == 1) {
		tell(t, PAM_TEXT_INFO, "No TMDb account was enrolled for %s.", user);
	} else {
		userlog(t->pamh, LOG_NOTICE, t->user, "enrolment: the record was removed (uid %u asked)", (unsigned)getuid());
		tell(t, PAM_TEXT_INFO, "The TMDb accounts enrolled for %s were removed.", user);
	}
	return PAM_SUCCESS;
}

static int full(struct txn *t, const char *user)
{
	tell(t, PAM_ERROR_MSG, "Not enrolled: %s already has %d TMDb accounts enrolled, the most there may be "
	     "(tmdb-login --unenroll removes them).", user, ENROL_MAX_ACCOUNTS);
	userlog(t->pamh, LOG_NOTICE, t->user, "enrolment refused: %d accounts already enrolled", ENROL_MAX_ACCOUNTS);
	return PAM_PERM_DENIED;
}

static void tell_refusal(struct txn *t, int rc)
{
	if (rc == PAM_AUTH_ERR || rc == PAM_MAXTRIES)
		say(t, PAM_ERROR_MSG, "Not enrolled: the approval was not given in the browser (or it was denied).");
	else if (rc == PAM_AUTHINFO_UNAVAIL)
		say(t, PAM_ERROR_MSG, "Not enrolled: TMDb cannot be reached right now. Try again later.");
	else if (rc == PAM_SERVICE_ERR || rc == PAM_SYSTEM_ERR)
		say(t, PAM_ERROR_MSG, MSG_CONFIG);
}

static int enrol(struct txn *t, int dfd, const char *user, bool for_another)
{
	struct tmdb_account acct = { 0 };
	struct enrol_record r;
	char name[TEXT_SHOW_MAX + 1];
	int rc;

	enrol_load(t->pamh, dfd, t->user, &r);
	if (r.n >= ENROL_MAX_ACCOUNTS)
		return full(t, user);
	if (for_another) {
		/* the user approves on their phone, not on root's screen */
#ifdef HAVE_QRENCODE
		t->opts.qrcode = true;
#endif
	}
	rc = flow_approve_account(t, &acct);
	if (rc != PAM_SUCCESS) {
		tell_refusal(t, rc);
		tmdb_account_clear(&acct);
		return rc;
	}
	text_sanitize(name, sizeof(name), acct.username, strlen(acct.username));
	/* read again: another enrolment may have written it while this one waited */
	enrol_load(t->pamh, dfd, t->user, &r);
	rc = enrol_record_add(&r, acct.id, acct.username, strlen(acct.username));
	if (rc < 0) {
		rc = full(t, user);
	} else if (rc == 1) {
		tell(t, PAM_TEXT_INFO, "TMDb account \"%s\" (id %lld) was already enrolled for %s.", name, acct.id, user);
		rc = PAM_SUCCESS;
	} else if (enrol_save(t->pamh, dfd, t->user, &r) != 0) {
		say(t, PAM_ERROR_MSG, MSG_CONFIG);
		rc = PAM_SYSTEM_ERR;
	} else {
		userlog(t->pamh, LOG_NOTICE, t->user, "enrolment: TMDb account %lld enrolled (uid %u asked)", acct.id,
			(unsigned)getuid());
		tell(t, PAM_TEXT_INFO, "TMDb account \"%s\" (id %lld) is now enrolled for %s: it may sign in as %s.", name,
		     acct.id, user, user);
		rc = PAM_SUCCESS;
	}
	tmdb_account_clear(&acct);
	return rc;
}

/* Is the caller the user, or root? *for_another: root for someone else. */
static bool caller_may(struct txn *t, bool *for_another)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	uid_t caller = getuid();

	*for_another = false;
	if (getpwnam_r(t->user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	if (caller == pw.pw_uid)
		return true;
	*for_another = caller == 0;
	return caller == 0;
}

int enrol_run(struct txn *t)
{
	char user[TEXT_SHOW_MAX + 1];
	char *action = enrol_take_action(t->pamh), *unused = NULL;
	bool for_another = false;
	int dfd, rc;

	shown_user(t, user);
	if (action == NULL || (strcmp(action, ENROL_ACTION_ENROL) != 0 && strcmp(action, ENROL_ACTION_UNENROL) != 0 &&
			       strcmp(action, ENROL_ACTION_SHOW) != 0)) {
		userlog(t->pamh, LOG_ERR, t->user, "enrolment: the service has the argument enroll, but the host asked for "
			"no action (%s=enroll|unenroll|show in the PAM environment): refused", TMDB_ENROLL_ENV);
		say(t, PAM_ERROR_MSG, MSG_NO_ACTION);
		free(action);
		return PAM_AUTH_ERR;
	}
	if (strcmp(action, ENROL_ACTION_ENROL) != 0 && return_to_take(t->pamh, &unused) == PAM_SUCCESS)
		free(unused); /* no approval: the host's return address goes unused */
	rc = PAM_SUCCESS;
	if (!t->opts.self_enroll) {
		userlog(t->pamh, LOG_NOTICE, t->user, "enrolment refused: self_enroll = no");
		say(t, PAM_ERROR_MSG, MSG_OFF);
		rc = PAM_PERM_DENIED;
	} else if (!caller_may(t, &for_another)) {
		userlog(t->pamh, LOG_WARNING, t->user, "enrolment refused: uid %u may not act for this user",
			(unsigned)getuid());
		say(t, PAM_ERROR_MSG, MSG_NOT_OWN);
		rc = PAM_PERM_DENIED;
	} else if (!enrol_user_name_ok(t->user)) {
		userlog(t->pamh, LOG_ERR, t->user, "enrolment refused: the user name cannot name a record");
		say(t, PAM_ERROR_MSG, "Not enrolled: this user name cannot be enrolled.");
		rc = PAM_USER_UNKNOWN;
	}
	if (rc != PAM_SUCCESS) {
		free(action);
		return rc;
	}
	dfd = enrol_dir_open(t->pamh, t->opts.state_dir);
	if (dfd < 0) {
		say(t, PAM_ERROR_MSG, MSG_CONFIG);
		free(action);
		return PAM_SERVICE_ERR;
	}
	if (strcmp(action, ENROL_ACTION_SHOW) == 0)
		rc = show(t, dfd, user);
	else if (strcmp(action, ENROL_ACTION_UNENROL) == 0)
		rc = unenrol(t, dfd, user);
	else
		rc = enrol(t, dfd, user, for_another);
	close(dfd);
	free(action);
	return rc;
}
