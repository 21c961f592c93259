/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_hostcheck.so: a tiny PAM module for tmdb-host's own tests only (never installed). It has the
 * conversation shapes of pam_tmdb without any network:
 *   auth: url=URL [rounds=N] [poll] [sleep_ms=MS] [session=yes]
 *     prompt shape: call 1 = PAM_TEXT_INFO "Approve in your browser:\nURL" + PAM_PROMPT_ECHO_ON;
 *                   calls 2..N = PAM_ERROR_MSG + PAM_PROMPT_ECHO_ON;
 *     poll shape:   one PAM_TEXT_INFO call with the URL, then sleep_ms milliseconds;
 *   then pam_syslog(LOG_NOTICE, "hostcheck: ok …") and TMDB_SESSION_ID=<unique> in the PAM
 *   environment (with session=yes also a PAM_TEXT_INFO "TMDB_SESSION_ID=<id>").
 *   Other module types: PAM_SUCCESS.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv);
EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv);
EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv);
EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv);
EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv);
EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv);

static atomic_ulong counter;

static int converse(pam_handle_t *pamh, int n, const struct pam_message *msgs)
{
	const struct pam_conv *conv = NULL;
	const struct pam_message *ptrs[2];
	struct pam_response *resp = NULL;
	int rc;

	rc = pam_get_item(pamh, PAM_CONV, (const void **)&conv);
	if (rc != PAM_SUCCESS || !conv || !conv->conv)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++)
		ptrs[i] = &msgs[i];
	rc = conv->conv(n, ptrs, &resp, conv->appdata_ptr);
	if (resp) {
		for (int i = 0; i < n; i++)
			free(resp[i].resp);
		free(resp);
	}
	return rc;
}

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *url = "https://127.0.0.1/authenticate/none";
	unsigned long rounds = 1, sleep_ms = 0;
	int poll = 0, session_msg = 0, rc;
	char text[1024], env[128];
	struct timespec now;
	(void)flags;

	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "url=", 4) == 0)
			url = argv[i] + 4;
		else if (strncmp(argv[i], "rounds=", 7) == 0)
			rounds = strtoul(argv[i] + 7, NULL, 10);
		else if (strncmp(argv[i], "sleep_ms=", 9) == 0)
			sleep_ms = strtoul(argv[i] + 9, NULL, 10);
		else if (strcmp(argv[i], "poll") == 0)
			poll = 1;
		else if (strcmp(argv[i], "session=yes") == 0)
			session_msg = 1;
		else {
			pam_syslog(pamh, LOG_ERR, "hostcheck: bad argument %s", argv[i]);
			return PAM_SERVICE_ERR;
		}
	}
	snprintf(text, sizeof text, "Approve in your browser:\n%s", url);
	if (poll) {
		struct pam_message m[1] = {{PAM_TEXT_INFO, text}};
		struct timespec ts = {(time_t)(sleep_ms / 1000), (long)(sleep_ms % 1000) * 1000000L};
		if ((rc = converse(pamh, 1, m)) != PAM_SUCCESS)
			return rc;
		nanosleep(&ts, NULL);
	} else {
		for (unsigned long r = 0; r < rounds; r++) {
			struct pam_message m[2] = {
				{r == 0 ? PAM_TEXT_INFO : PAM_ERROR_MSG,
				 r == 0 ? text : "Not approved yet."},
				{PAM_PROMPT_ECHO_ON, "Press Enter once approved: "},
			};
			if ((rc = converse(pamh, 2, m)) != PAM_SUCCESS)
				return rc;
		}
	}
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(env, sizeof env, "TMDB_SESSION_ID=hc%ld%09ld-%d-%lu", (long)now.tv_sec,
		 now.tv_nsec, (int)getpid(), atomic_fetch_add(&counter, 1));
	if ((rc = pam_putenv(pamh, env)) != PAM_SUCCESS)
		return rc;
	if (session_msg) {
		struct pam_message m[1] = {{PAM_TEXT_INFO, env}};
		if ((rc = converse(pamh, 1, m)) != PAM_SUCCESS)
			return rc;
	}
	pam_syslog(pamh, LOG_NOTICE, "hostcheck: ok after %lu rounds", poll ? 0UL : rounds);
	return PAM_SUCCESS;
}

int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_SUCCESS;
}

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_SUCCESS;
}

int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_SUCCESS;
}

int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_SUCCESS;
}

int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}
