/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The conversation function: prints every message as a "conv" event, answers prompts from the
 * --answer list ("" once it runs out), picks approval URLs out of PAM_TEXT_INFO messages and
 * approves them like a user in a browser would (approve.c):
 *   - prompt mode: just before answering the (approve_after+1)-th prompt after the URL;
 *   - poll mode (auto: no prompt follows the URL in the same conversation call): from a
 *     background thread after --approve-delay-ms, joined when the op returns.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "url_line.h"

void txn_reset(struct txn *t, const struct host_opts *o, int quiet)
{
	memset(t, 0, sizeof *t);
	t->o = o;
	t->quiet = quiet;
}

void txn_free(struct txn *t)
{
	txn_join_bg(t);
	free(t->seen_url);
	free(t->conv_session);
	t->seen_url = NULL;
	t->conv_session = NULL;
}

static const char *style_name(int style)
{
	switch (style) {
	case PAM_PROMPT_ECHO_OFF: return "PAM_PROMPT_ECHO_OFF";
	case PAM_PROMPT_ECHO_ON: return "PAM_PROMPT_ECHO_ON";
	case PAM_ERROR_MSG: return "PAM_ERROR_MSG";
	case PAM_TEXT_INFO: return "PAM_TEXT_INFO";
	case PAM_RADIO_TYPE: return "PAM_RADIO_TYPE";
	case PAM_BINARY_PROMPT: return "PAM_BINARY_PROMPT";
	default: return "UNKNOWN";
	}
}

static void set_str(char **dst, const char *s, size_t n)
{
	char *copy = malloc(n + 1);
	if (!copy)
		return;
	memcpy(copy, s, n);
	copy[n] = '\0';
	free(*dst);
	*dst = copy;
}

/* Scans a PAM_TEXT_INFO message; returns 1 if it held a URL that is new for this transaction. */
static int scan_info(struct txn *t, const char *msg)
{
	int new_url = 0;
	const char *line = msg;

	while (line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (url_line(line, n)) {
			if (!t->seen_url || strlen(t->seen_url) != n ||
			    memcmp(t->seen_url, line, n) != 0) {
				set_str(&t->seen_url, line, n);
				t->url_done = 0;
				t->prompts_since_url = 0;
				new_url = 1;
			}
			if (!t->quiet && t->seen_url) {
				struct jbuf b;
				ev_begin(&b, "url");
				ev_str(&b, "url", t->seen_url);
				ev_end(&b);
			}
		} else if (n > 16 && strncmp(line, "TMDB_SESSION_ID=", 16) == 0) {
			set_str(&t->conv_session, line + 16, n - 16);
		}
		line = nl ? nl + 1 : NULL;
	}
	return new_url;
}

struct bg_job {
	const struct host_opts *o;
	char *url;
	int quiet;
};

static void *bg_approve(void *arg)
{
	struct bg_job *job = arg;
	unsigned long ms = job->o->approve_delay_ms;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	approve_now(job->o, job->url, job->quiet);
	free(job->url);
	free(job);
	return NULL;
}

static void start_bg(struct txn *t)
{
	struct bg_job *job = calloc(1, sizeof *job);

	txn_join_bg(t);
	if (!job)
		return;
	job->o = t->o;
	job->quiet = t->quiet;
	job->url = strdup(t->seen_url);
	if (!job->url || pthread_create(&t->bg, NULL, bg_approve, job) != 0) {
		free(job->url);
		free(job);
		t->approve_failed = 1;
		return;
	}
	t->bg_running = 1;
	t->url_done = 1;
}

void txn_join_bg(struct txn *t)
{
	if (t->bg_running) {
		pthread_join(t->bg, NULL);
		t->bg_running = 0;
	}
}

static void conv_event(const struct txn *t, const struct pam_message *m, int index)
{
	struct jbuf b;
	if (t->quiet)
		return;
	ev_begin(&b, "conv");
	ev_str(&b, "style", style_name(m->msg_style));
	ev_str(&b, "msg", m->msg ? m->msg : "");
	ev_int(&b, "call", (long long)t->call_no);
	ev_int(&b, "index", index);
	ev_end(&b);
}

static void free_responses(struct pam_response *r, int n)
{
	if (!r)
		return;
	for (int i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
}

int host_conv(int num_msg, const struct pam_message **msg, struct pam_response **resp,
	      void *appdata)
{
	struct txn *t = appdata;
	const struct host_opts *o = t->o;
	struct pam_response *r;
	int url_in_call = 0, prompt_after_url = 0;
	int approving = o->approve_as != NULL || o->deny;

	if (resp)
		*resp = NULL;
	t->call_no++;
	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG || !msg || !resp)
		return PAM_CONV_ERR;

	if (o->conv_fail) {
		for (int i = 0; i < num_msg; i++)
			conv_event(t, msg[i], i);
		return PAM_CONV_ERR;
	}

	r = calloc((size_t)num_msg, sizeof *r);
	if (!r)
		return PAM_BUF_ERR;

	for (int i = 0; i < num_msg; i++) {
		const struct pam_message *m = msg[i];
		conv_event(t, m, i);
		switch (m->msg_style) {
		case PAM_TEXT_INFO:
			if (m->msg && scan_info(t, m->msg))
				url_in_call = 1;
			break;
		case PAM_ERROR_MSG:
			break;
		case PAM_PROMPT_ECHO_ON:
		case PAM_PROMPT_ECHO_OFF: {
			const char *ans;
			if (o->max_prompts && t->prompts >= o->max_prompts) {
				if (!t->quiet) {
					struct jbuf b;
					ev_begin(&b, "abort");
					ev_str(&b, "reason", "max-prompts-abort");
					ev_int(&b, "prompts", (long long)t->prompts);
					ev_end(&b);
				}
				free_responses(r, num_msg);
				return PAM_CONV_ERR;
			}
			if (url_in_call)
				prompt_after_url = 1;
			if (approving && t->seen_url && !t->url_done &&
			    o->approve_mode != APPROVE_POLL) {
				if (t->prompts_since_url >= o->approve_after) {
					approve_now(o, t->seen_url, t->quiet);
					t->url_done = 1;
				}
			}
			t->prompts_since_url++;
			t->prompts++;
			ans = t->answer_idx < o->n_answers ? o->answers[t->answer_idx++] : "";
			r[i].resp = strdup(ans);
			if (!r[i].resp) {
				free_responses(r, num_msg);
				return PAM_BUF_ERR;
			}
			if (!t->quiet) {
				struct jbuf b;
				ev_begin(&b, "answer");
				ev_str(&b, "text", ans);
				ev_end(&b);
			}
			break;
		}
		default:
			free_responses(r, num_msg);
			return PAM_CONV_ERR;
		}
	}

	/* Poll mode: the URL came without a prompt after it, so nobody will press Enter. */
	if (approving && url_in_call && t->seen_url && !t->url_done &&
	    (o->approve_mode == APPROVE_POLL ||
	     (o->approve_mode == APPROVE_AUTO && !prompt_after_url)))
		start_bg(t);

	*resp = r;
	return PAM_SUCCESS;
}
