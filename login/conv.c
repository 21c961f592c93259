/* SPDX-License-Identifier: BSD-3-Clause */
/* conv.c — the conversation: messages go to stderr; a line that is only a URL is the approval
 * URL (the browser is opened for the first one); the module's return prompt
 * (TMDB_RETURN_PROMPT of return_to.h) is answered by whichever comes first of the browser
 * coming back, the user pressing Enter and the poll timer; every other prompt is answered only
 * by what the user types. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "conv.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "browser.h"
#include "clock.h"
#include "return_to.h"
#include "url_line.h"

#define MAX_ANSWER 512
#define MAX_POLLFDS 16

void login_conv_free(struct login_conv *c)
{
	free(c->url);
	free(c->token);
	c->url = c->token = NULL;
	approval_page_remove(&c->page);
}

static bool token_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '-' || ch == '_' || ch == '.';
}

static char *token_at(const char *s, size_t n)
{
	if (n == 0 || n > 1024)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!token_char(s[i]))
			return NULL;
	return strndup(s, n);
}

char *login_token_of_url(const char *url)
{
	const char *q = strchr(url, '?'), *p, *seg;

	for (p = q; p != NULL; p = strchr(p + 1, '&'))
		if (strncmp(p + 1, "request_token=", 14) == 0)
			return token_at(p + 15, strcspn(p + 15, "&#"));
	p = strstr(url, "://");
	if (p == NULL)
		return NULL;
	p = strchr(p + 3, '/');
	if (p == NULL)
		return NULL;
	seg = NULL;
	for (const char *s = p; s < (q ? q : p + strlen(p)); s++)
		if (*s == '/' && s + 1 < (q ? q : p + strlen(p)))
			seg = s + 1;
	if (seg == NULL)
		return NULL;
	return token_at(seg, strcspn(seg, "/?#"));
}

static void take_url(struct login_conv *c, const char *s, size_t n)
{
	char *url = strndup(s, n);

	if (url == NULL)
		return;
	free(c->url);
	free(c->token);
	c->url = url;
	c->token = login_token_of_url(url);
	if (!c->browser_tried && !c->o->no_browser) {
		c->browser_tried = true;
		browser_open(url, c->o->quiet, &c->page);
	}
}

static void show_info(struct login_conv *c, const char *msg)
{
	const char *line = msg;

	say_text(msg);
	fputc('\n', stderr);
	while (line != NULL) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (url_line(line, n))
			take_url(c, line, n);
		line = nl ? nl + 1 : NULL;
	}
}

/* One line from stdin, byte by byte (no stdio buffer that could swallow the next answer).
 * Returns NULL at end of input. */
static char *read_line(bool echo_off)
{
	char buf[MAX_ANSWER + 1];
	size_t n = 0;
	bool overlong = false;
	struct termios saved, quiet;
	bool tty = echo_off && isatty(0) && tcgetattr(0, &saved) == 0;

	if (tty) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	for (;;) {
		char ch;
		ssize_t k = read(0, &ch, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (n == 0 && !overlong) {
				if (tty)
					tcsetattr(0, TCSAFLUSH, &saved);
				return NULL;
			}
			break;
		}
		if (ch == '\n')
			break;
		if (n < MAX_ANSWER)
			buf[n++] = ch;
		else
			overlong = true;
	}
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (overlong)
		say("the answer was longer than %d bytes; cut", MAX_ANSWER);
	return strdup(buf);
}

/* Drains what stdin has now (the Enter that ended the wait). Returns false at end of input. */
static bool drain_stdin(void)
{
	char buf[MAX_ANSWER];
	ssize_t k;

	do
		k = read(0, buf, sizeof buf);
	while (k < 0 && errno == EINTR);
	return k > 0 || (k < 0 && errno == EAGAIN);
}

/* The return prompt: waits for the browser, Enter or the poll timer. Returns the answer for
 * the module ("" or TMDB_RETURN_DENIED), to free. */
static char *wait_for_return(struct login_conv *c)
{
	long timer = clock_now_ms() + (long)c->o->poll_interval_s * 1000L;

	for (;;) {
		struct pollfd p[MAX_POLLFDS];
		int n = 0, nl, timeout, ready;
		long left = timer - clock_now_ms();

		if (left <= 0)
			return strdup(""); /* the module's turn to ask TMDb */
		if (!c->stdin_eof)
			p[n++] = (struct pollfd){ .fd = 0, .events = POLLIN };
		nl = listener_pollfds(c->listener, p + n, MAX_POLLFDS - n);
		timeout = left > 60000 ? 60000 : (int)left;
		if (nl > 0) {
			int lt = listener_timeout_ms(c->listener);
			if (lt >= 0 && lt < timeout)
				timeout = lt;
		}
		ready = poll(p, (nfds_t)(n + nl), timeout);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			return NULL;
		}
		if (n == 1 && p[0].revents != 0) {
			if (drain_stdin()) {
				fputc('\n', stderr);
				return strdup("");
			}
			c->stdin_eof = true; /* end of input: the browser and the timer remain */
		}
		if (nl > 0) {
			enum return_verdict v = listener_serve(c->listener, p + n, nl, c->token);
			if (v == RETURN_APPROVED || v == RETURN_DENIED) {
				fputc('\n', stderr);
				if (!c->o->quiet)
					say("the browser came back %s", v == RETURN_APPROVED ? "approved" : "denied");
				if (v == RETURN_DENIED && c->secret_private) {
					c->returned_denied = true;
					return strdup(TMDB_RETURN_DENIED);
				}
				if (v == RETURN_DENIED)
					say("stderr can be read by others, and the approval URL with the return "
					    "address went there: a denied return may be forged, so TMDb is asked");
				return strdup("");
			}
		}
	}
}

static void free_responses(struct pam_response *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			memset(r[i].resp, 0, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
}

int login_conv(int num_msg, const struct pam_message **msg, struct pam_response **resp,
	       void *appdata)
{
	struct login_conv *c = appdata;
	struct pam_response *r;

	if (resp != NULL)
		*resp = NULL;
	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG || msg == NULL || resp == NULL)
		return PAM_CONV_ERR;
	/* the listener may have outlived --timeout while the module talked to TMDb */
	listener_serve(c->listener, NULL, 0, c->token);
	r = calloc((size_t)num_msg, sizeof *r);
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < num_msg; i++) {
		const struct pam_message *m = msg[i];
		const char *text = m->msg != NULL ? m->msg : "";

		switch (m->msg_style) {
		case PAM_TEXT_INFO:
			show_info(c, text);
			break;
		case PAM_ERROR_MSG:
			say_text(text);
			fputc('\n', stderr);
			break;
		case PAM_PROMPT_ECHO_ON:
		case PAM_PROMPT_ECHO_OFF:
			say_text(text);
			fflush(stderr);
			if (m->msg_style == PAM_PROMPT_ECHO_ON && strcmp(text, TMDB_RETURN_PROMPT) == 0)
				r[i].resp = wait_for_return(c);
			else
				r[i].resp = read_line(m->msg_style == PAM_PROMPT_ECHO_OFF);
			if (r[i].resp == NULL) {
				fputc('\n', stderr);
				say("no answer (end of input)");
				c->no_answer = true;
				free_responses(r, num_msg);
				return PAM_CONV_ERR;
			}
			break;
		default:
			free_responses(r, num_msg);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}
