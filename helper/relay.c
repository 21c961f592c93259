/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "relay.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "wipe.h"

/* the longest a host may take to answer one conversation call: the approval's longest wait
 * (approval_timeout at most 3600 s) and some */
#define CONV_TIMEOUT_MS (3660 * 1000)
#define MAX_SECRETS 4

static int sock = -1;
static atomic_int state = RELAY_EXITABLE;
static atomic_int host_gone;
static char *secrets[MAX_SECRETS];

static void *watch(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p = { sock, POLLRDHUP, 0 };
		int r = poll(&p, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			atomic_store(&host_gone, 1);
			if (atomic_load(&state) == RELAY_EXITABLE)
				_exit(0); /* nothing in hand: the host died mid-approval, or is done */
			return NULL; /* the main thread finishes what it has in hand */
		}
		if (r < 0)
			return NULL;
	}
}

void relay_start(int fd)
{
	sock = fd;
}

int relay_watch(void)
{
	pthread_t t;
	pthread_attr_t a;
	int rc;
	if (pthread_attr_init(&a) != 0)
		return -1;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 64 * 1024);
	rc = pthread_create(&t, &a, watch, NULL);
	pthread_attr_destroy(&a);
	return rc == 0 ? 0 : -1;
}

void relay_set_state(enum relay_state s)
{
	atomic_store(&state, (int)s);
	/* the host went while something was in hand, and nothing is any more (a try that got no
	 * credential): the watcher has returned, so end here as it would have */
	if (s == RELAY_EXITABLE && atomic_load(&host_gone))
		_exit(0);
}

void relay_hide(const char *secret)
{
	if (secret == NULL)
		return;
	for (int i = 0; i < MAX_SECRETS; i++) {
		if (secrets[i] == NULL) {
			secrets[i] = strdup(secret); /* NULL when out of memory: then not hidden, but
							 * the module's code never logs it anyway */
			return;
		}
	}
}

void relay_forget_secrets(void)
{
	for (int i = 0; i < MAX_SECRETS; i++) {
		wipe_free_str(secrets[i]);
		secrets[i] = NULL;
	}
}

/* Replaces each kept secret in buf (NUL-terminated, room for cap bytes) by "(hidden)". */
static void scrub(char *buf, size_t cap)
{
	static const char mark[] = "(hidden)";
	for (int i = 0; i < MAX_SECRETS; i++) {
		const char *s = secrets[i];
		size_t n = s ? strlen(s) : 0;
		char *at;
		if (n < 4)
			continue;
		while ((at = strstr(buf, s)) != NULL) {
			size_t tail = strlen(at + n) + 1;
			if (n >= sizeof(mark) - 1) {
				memcpy(at, mark, sizeof(mark) - 1);
				memmove(at + sizeof(mark) - 1, at + n, tail);
			} else if (strlen(buf) + sizeof(mark) - n < cap) {
				memmove(at + sizeof(mark) - 1, at + n, tail);
				memcpy(at, mark, sizeof(mark) - 1);
			} else {
				memset(at, '*', n);
			}
		}
	}
}

static int send_buf(struct hp_buf *b)
{
	int rc = hp_send(sock, b);
	hp_buf_free(b);
	if (rc != 0)
		atomic_store(&host_gone, 1);
	return rc;
}

void relay_audit(int prio, const char *fmt, ...)
{
	char line[HP_MAX_LOG + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	scrub(line, sizeof(line));
	openlog("pam_tmdb_helper", LOG_PID, LOG_AUTHPRIV);
	syslog(prio, "uid %u: %s", (unsigned)getuid(), line);
}

/* The module code's log lines, linked into the helper, go to the host (which logs them as its
 * own, with its service name) instead of libpam's syslog. */
void pam_vsyslog(const pam_handle_t *pamh, int priority, const char *fmt, va_list args)
{
	char line[HP_MAX_LOG + 1];
	struct hp_log l;
	struct hp_buf b;
	(void)pamh;
	vsnprintf(line, sizeof(line), fmt, args);
	scrub(line, sizeof(line));
	l.prio = (uint32_t)(priority & LOG_PRIMASK);
	l.text = line;
	if (sock >= 0 && !atomic_load(&host_gone) && hp_encode_log(&l, &b) == 0)
		send_buf(&b);
	else
		relay_audit(priority & LOG_PRIMASK, "%s", line); /* nobody to tell it to */
}

void pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pam_vsyslog(pamh, priority, fmt, ap);
	va_end(ap);
}

/* Receives one frame of the wanted type; LOG or anything else from the host is a protocol
 * error. 0 with the payload (hp_payload_free), or -1. */
static int recv_type(int timeout_ms, uint8_t want, unsigned char **p, size_t *n)
{
	uint8_t type = 0;
	const char *why = NULL;
	if (hp_recv(sock, timeout_ms, &type, p, n, &why) != 0) {
		if (strcmp(why, "closed") == 0)
			atomic_store(&host_gone, 1);
		else
			relay_audit(LOG_WARNING, "bad input from the caller: %s", why);
		return -1;
	}
	if (type != want) {
		relay_audit(LOG_WARNING, "bad input from the caller: message type %u where %u was due", (unsigned)type,
			    (unsigned)want);
		hp_payload_free(*p, *n);
		*p = NULL;
		return -1;
	}
	return 0;
}

int relay_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	struct hp_conv c;
	struct hp_conv_reply r;
	struct hp_buf b;
	unsigned char *p = NULL;
	size_t len = 0;
	int last_prompt = -1, rc;

	(void)appdata;
	*resp = NULL;
	if (n < 1 || n > HP_MAX_MSGS || atomic_load(&host_gone))
		return PAM_CONV_ERR;
	memset(&c, 0, sizeof(c));
	c.n = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg == NULL || strlen(msg[i]->msg) > HP_MAX_TEXT)
			return PAM_CONV_ERR; /* the module would refuse the frame */
		c.style[i] = (uint32_t)msg[i]->msg_style;
		c.text[i] = (char *)(uintptr_t)msg[i]->msg;
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON || msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			last_prompt = i;
	}
	rc = hp_encode_conv(&c, &b);
	if (rc != 0 || send_buf(&b) != 0)
		return PAM_CONV_ERR;
	if (recv_type(CONV_TIMEOUT_MS, HP_CONV_REPLY, &p, &len) != 0)
		return PAM_CONV_ERR;
	rc = hp_decode_conv_reply(p, len, &r);
	hp_payload_free(p, len);
	if (rc != 0) {
		relay_audit(LOG_WARNING, "bad input from the caller: malformed conversation reply");
		return PAM_CONV_ERR;
	}
	if (r.rc != PAM_SUCCESS) {
		hp_conv_reply_clear(&r);
		return PAM_CONV_ERR;
	}
	*resp = calloc((size_t)n, sizeof(**resp));
	if (*resp == NULL) {
		hp_conv_reply_clear(&r);
		return PAM_BUF_ERR;
	}
	if (last_prompt >= 0) {
		(*resp)[last_prompt].resp = r.reply; /* handed on: conv.c wipes it */
		r.reply = NULL;
	}
	hp_conv_reply_clear(&r);
	return PAM_SUCCESS;
}

int relay_read_request(int timeout_ms, struct hp_request *req)
{
	unsigned char *p = NULL;
	size_t n = 0;
	int rc;
	if (recv_type(timeout_ms, HP_REQUEST, &p, &n) != 0)
		return -1;
	rc = hp_decode_request(p, n, req);
	hp_payload_free(p, n);
	if (rc != 0)
		relay_audit(LOG_WARNING, "bad input from the caller: malformed request");
	return rc;
}

int relay_send_result(const struct hp_result *res)
{
	struct hp_buf b;
	if (atomic_load(&host_gone) || hp_encode_result(res, &b) != 0)
		return -1;
	return send_buf(&b);
}

int relay_read_outcome(int timeout_ms, uint32_t *outcome)
{
	unsigned char *p = NULL;
	size_t n = 0;
	uint8_t type = 0;
	const char *why = NULL;
	int r;

	if (hp_recv(sock, timeout_ms, &type, &p, &n, &why) != 0) {
		if (strcmp(why, "closed") == 0) {
			atomic_store(&host_gone, 1);
			return 1;
		}
		if (strcmp(why, "timeout") != 0)
			relay_audit(LOG_WARNING, "bad input from the caller: %s", why);
		return -1;
	}
	r = type == HP_OUTCOME ? hp_decode_outcome(p, n, outcome) : -1;
	hp_payload_free(p, n);
	if (r != 0)
		relay_audit(LOG_WARNING, "bad input from the caller: message type %u where an outcome was due",
			    (unsigned)type);
	return r;
}

int relay_read_taken(int timeout_ms, uint32_t *rc)
{
	unsigned char *p = NULL;
	size_t n = 0;
	int r;
	if (recv_type(timeout_ms, HP_TAKEN, &p, &n) != 0)
		return -1;
	r = hp_decode_taken(p, n, rc);
	hp_payload_free(p, n);
	return r;
}
