/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "clock.h"
#include "conv.h"
#include "greeter.h"
#include "qr.h"
#include "return_to.h"
#include "userlog.h"
#include "wipe.h"

#define MSG_INTRO "To sign in, approve this login with your TMDb account in a browser:"
#define MSG_PROMPT "Press Enter once you have approved it: "
#define MSG_NOT_YET "Not approved yet. Approve it in the browser first, then press Enter."

/* The callback header is the server's text: accept it only as a plain http(s) URL. */
static bool clean_url(const char *u, bool allow_http)
{
	size_t n = strlen(u);
	if (n == 0 || n > APPROVAL_URL_MAX)
		return false;
	if (strncmp(u, "https://", 8) != 0 && !(allow_http && strncmp(u, "http://", 7) == 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f || u[i] == '#')
			return false; /* no fragment: redirect_to is appended to the query */
	return true;
}

char *approval_url(struct http_client *http, const struct tmdb_options *o,
		   const struct tmdb_token *token, bool *used_header)
{
	char *redirect = NULL, *url;
	const char *base = token->callback;
	size_t n;

	if (o->redirect_to != NULL) {
		redirect = http_escape(http, o->redirect_to);
		if (redirect == NULL)
			return NULL;
	}
	/* a header that would make the URL too long to show is as unusable as a malformed one */
	*used_header = base != NULL && clean_url(base, o->allow_http) &&
		       strlen(base) + (redirect ? strlen(redirect) + sizeof("?redirect_to=") - 1 : 0) <= APPROVAL_URL_MAX;
	n = (*used_header ? strlen(base) : strlen(o->approve_url) + TMDB_TOKEN_LEN) +
	    (redirect ? strlen(redirect) + sizeof("?redirect_to=") : 0) + 1;
	url = malloc(n);
	if (url != NULL) {
		if (*used_header)
			snprintf(url, n, "%s", base);
		else
			snprintf(url, n, "%s%s", o->approve_url, token->request_token);
		if (redirect != NULL) {
			size_t len = strlen(url);
			snprintf(url + len, n - len, "%credirect_to=%s", strchr(url, '?') ? '&' : '?', redirect);
		}
	}
	free(redirect);
	return url;
}

long approval_deadline(const struct approval_host *h, long life_left_s, long *life_end_ms)
{
	long now = clock_now_ms();
	long deadline = now + h->opts->approval_timeout * 1000L;
	/* with clocks that disagree the token's end is not known; it was made just now, so it
	 * lives at least as long as this login may wait */
	*life_end_ms = life_left_s > 0 ? now + life_left_s * 1000L : deadline;
	if (life_left_s <= 0) {
		/* the server's clock and ours disagree: do not refuse every login for it */
		pam_syslog(h->pamh, LOG_WARNING, "request token already expired by the local clock; using approval_timeout only");
	} else if (now + life_left_s * 1000L < deadline) {
		deadline = now + life_left_s * 1000L;
	}
	return deadline;
}

char *approval_url_v4(const struct tmdb_options *o, const char *request_token)
{
	size_t n = strlen(o->approve_url_v4) + strlen(request_token) + 1;
	char *url = malloc(n);
	if (url != NULL)
		snprintf(url, n, "%s%s", o->approve_url_v4, request_token);
	return url;
}

static char *url_message(const char *url, char **qr, bool want_qr)
{
	size_t n = sizeof(MSG_INTRO) + strlen(url) + 2;
	char *msg = malloc(n);
	if (msg == NULL)
		return NULL;
	/* the URL alone on its own line, never the first (ssh prefixes that one) */
	snprintf(msg, n, MSG_INTRO "\n%s", url);
	*qr = want_qr ? qr_render(url) : NULL;
	return msg;
}

/* One try. PAM_SUCCESS: approved. PAM_AUTH_ERR: not approved, with *not_yet telling whether
 * asking again may help (an expired token never will). Otherwise the error of the request. */
static int ask(const struct approval_host *h, struct tmdb_client *api, const struct approval_wait *w, bool *not_yet)
{
	enum tmdb_approval state = TMDB_NOT_APPROVED;
	int rc;

	/* the try may create the credential: pam_tmdb_helper sees it through even if its host
	 * goes meanwhile, and deletes it */
	if (h->pending != NULL)
		h->pending(true);
	rc = w->try_once(api, w->ctx, &state);
	if (h->pending != NULL && !(rc == PAM_SUCCESS && state == TMDB_APPROVED))
		h->pending(false);
	/* TMDb's own answer before approval is not recorded anywhere: 41, 17 or 33 ("expired or
	 * invalid"). A 33 while the token is young is taken for "not yet"; after its life, it
	 * ends the login. */
	if (rc == PAM_SUCCESS && state == TMDB_TOKEN_EXPIRED && clock_now_ms() < w->life_end_ms) {
		if (h->opts->debug)
			pam_syslog(h->pamh, LOG_DEBUG, "status 33 within the request token's life: not approved yet");
		state = TMDB_NOT_APPROVED;
	}
	*not_yet = rc == PAM_SUCCESS && state == TMDB_NOT_APPROVED;
	if (rc != PAM_SUCCESS || state == TMDB_APPROVED)
		return rc;
	if (state == TMDB_TOKEN_EXPIRED)
		userlog(h->pamh, LOG_NOTICE, NULL, "TMDb says the request token expired or is invalid");
	return PAM_AUTH_ERR;
}

static int run_prompt(const struct approval_host *h, struct tmdb_client *api, const struct approval_wait *w,
		      const char *msg, const char *qr)
{
	int rc = PAM_MAXTRIES;
	for (long round = 0; round < h->opts->max_prompts; round++) {
		struct conv_round r = { 0 };
		char *reply = NULL;
		bool not_yet;
		if (round == 0) {
			conv_add(&r, PAM_TEXT_INFO, msg);
			if (qr != NULL)
				conv_add(&r, PAM_TEXT_INFO, qr);
		} else if (!(h->flags & PAM_SILENT)) {
			conv_add(&r, PAM_ERROR_MSG, MSG_NOT_YET);
		}
		conv_add(&r, PAM_PROMPT_ECHO_ON, MSG_PROMPT);
		rc = conv_send(h->pamh, &r, &reply);
		wipe_free_str(reply); /* what was typed does not matter: only the server decides */
		if (rc != PAM_SUCCESS)
			return rc;
		if (clock_now_ms() >= w->deadline_ms) {
			userlog(h->pamh, LOG_NOTICE, NULL, "approval came after approval_timeout or the token's expiry");
			return PAM_AUTH_ERR;
		}
		rc = ask(h, api, w, &not_yet);
		if (!not_yet)
			break; /* approved, or an answer that another Enter will not change */
		rc = PAM_MAXTRIES;
	}
	if (rc == PAM_MAXTRIES)
		userlog(h->pamh, LOG_NOTICE, NULL, "not approved after max_prompts=%ld", h->opts->max_prompts);
	return rc;
}

static void sleep_until(long when)
{
	clock_sleep_ms(when - clock_now_ms());
}

/* With the host's return address (return_to.h): the host answers the prompt when the browser
 * came back, when the user pressed Enter, or on its own timer. An answer only says when to
 * ask TMDb, so a forged one approves nothing; the rounds end at the deadline, not after
 * max_prompts, and tries are TMDB_RETURN_MIN_GAP_MS apart however fast the host answers. */
static int run_return(const struct approval_host *h, struct tmdb_client *api, const struct approval_wait *w,
		      const char *msg, const char *qr)
{
	long last_try = 0;
	for (long round = 0;; round++) {
		struct conv_round r = { 0 };
		char *reply = NULL;
		bool denied, not_yet;
		long next;
		int rc;
		if (round == 0) {
			conv_add(&r, PAM_TEXT_INFO, msg);
			if (qr != NULL)
				conv_add(&r, PAM_TEXT_INFO, qr);
		}
		/* no "Not approved yet" between rounds: a host on a timer would show it every time */
		conv_add(&r, PAM_PROMPT_ECHO_ON, TMDB_RETURN_PROMPT);
		rc = conv_send(h->pamh, &r, &reply);
		denied = reply != NULL && strcmp(reply, TMDB_RETURN_DENIED) == 0;
		wipe_free_str(reply);
		if (rc != PAM_SUCCESS)
			return rc;
		if (denied) {
			/* a denial needs no check: it can only end the login */
			userlog(h->pamh, LOG_NOTICE, NULL, "the browser came back denied");
			return PAM_AUTH_ERR;
		}
		/* an answer sooner than the gap waits the rest; one that must wait past the deadline
		 * can no longer be checked in time */
		next = round > 0 ? last_try + TMDB_RETURN_MIN_GAP_MS : clock_now_ms();
		if (next >= w->deadline_ms || clock_now_ms() >= w->deadline_ms) {
			userlog(h->pamh, LOG_NOTICE, NULL, "approval came after approval_timeout or the token's expiry");
			return PAM_AUTH_ERR;
		}
		sleep_until(next);
		last_try = clock_now_ms();
		rc = ask(h, api, w, &not_yet);
		if (!not_yet)
			return rc; /* approved, or an answer that asking again will not change */
	}
}

static int run_poll(const struct approval_host *h, struct tmdb_client *api, const struct approval_wait *w,
		    const char *msg, const char *qr)
{
	struct conv_round r = { 0 };
	int rc;
	conv_add(&r, PAM_TEXT_INFO, msg);
	if (qr != NULL)
		conv_add(&r, PAM_TEXT_INFO, qr);
	rc = conv_send(h->pamh, &r, NULL);
	if (rc != PAM_SUCCESS)
		return rc;
	/* first try at once: a user who approves quickly (or a host that approves for them)
	 * should not wait a poll interval */
	for (;;) {
		long next;
		bool not_yet;
		rc = ask(h, api, w, &not_yet);
		if (!not_yet)
			return rc;
		next = clock_now_ms() + h->opts->poll_interval * 1000L;
		if (next >= w->deadline_ms) {
			sleep_until(w->deadline_ms);
			rc = ask(h, api, w, &not_yet);
			if (not_yet)
				userlog(h->pamh, LOG_NOTICE, NULL, "not approved within approval_timeout or the token's life");
			return rc;
		}
		sleep_until(next);
	}
}

int approval_wait(const struct approval_host *h, struct tmdb_client *api, const struct approval_wait *w)
{
	char *msg, *qr = NULL;
	const char *why;
	bool want_qr = h->opts->qrcode;
	int rc;

	if (strlen(w->url) > APPROVAL_URL_MAX) {
		pam_syslog(h->pamh, LOG_ERR, "the approval URL would be %zu bytes, more than the %d a login screen can show; "
			   "shorten approve_url or redirect_to", strlen(w->url), APPROVAL_URL_MAX);
		return PAM_SERVICE_ERR;
	}
	if (want_qr && greeter_host(h->pamh, &why)) {
		/* once per login: approval_wait runs once per authentication */
		pam_syslog(h->pamh, LOG_NOTICE, "qrcode=yes, but the host is a graphical greeter (%s): showing the URL "
			   "without the QR code, which a greeter's conversation cannot carry", why);
		want_qr = false;
	}
	msg = url_message(w->url, &qr, want_qr);
	if (msg == NULL)
		return PAM_BUF_ERR;
	if (want_qr && qr == NULL)
		pam_syslog(h->pamh, LOG_WARNING, "cannot render the QR code; showing the URL only");
	/* a host that gives a return address answers prompts, whatever approval says */
	if (h->opts->return_to_in_use)
		rc = run_return(h, api, w, msg, qr);
	else if (h->opts->approval == APPROVAL_PROMPT)
		rc = run_prompt(h, api, w, msg, qr);
	else
		rc = run_poll(h, api, w, msg, qr);
	/* the message holds the request token */
	wipe_free_str(msg);
	free(qr);
	return rc;
}

struct v3_try {
	const struct tmdb_token *token;
	char **session_id;
};

static int v3_try_once(struct tmdb_client *api, void *ctx, enum tmdb_approval *state)
{
	struct v3_try *v = ctx;
	return tmdb_new_session(api, v->token->request_token, v->session_id, state);
}

int approval_run(const struct approval_host *h, struct tmdb_client *api, const struct tmdb_token *token, char **session_id)
{
	bool from_header = false;
	char *url = approval_url(api->http, h->opts, token, &from_header);
	struct v3_try v = { token, session_id };
	struct approval_wait w = { .url = url, .try_once = v3_try_once, .ctx = &v };
	int rc;

	*session_id = NULL;
	if (url == NULL)
		return PAM_BUF_ERR;
	if (token->callback != NULL && !from_header)
		pam_syslog(h->pamh, LOG_WARNING, "ignoring a malformed Authentication-Callback header (or one too long with redirect_to); using approve_url");
	/* expires_at is the server's wall clock: converted once into time left */
	w.deadline_ms = approval_deadline(h, (long)(token->expires_at - time(NULL)), &w.life_end_ms);
	rc = approval_wait(h, api, &w);
	/* the URL holds the request token */
	wipe_free_str(url);
	return rc;
}
