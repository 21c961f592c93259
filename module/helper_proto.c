/* SPDX-License-Identifier: BSD-3-Clause */
/* helper_proto.c: frames of the module-helper protocol (helper_proto.h), bounded both ways. */
#include "config.h"
#include "helper_proto.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "wipe.h"

/* ---- writing ---- */

static void put_bytes(struct hp_buf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > HP_MAX_FRAME + 4) {
		b->failed = 1;
		return;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *nd;
		while (cap < b->len + n)
			cap *= 2;
		nd = malloc(cap);
		if (nd == NULL) {
			b->failed = 1;
			return;
		}
		if (b->data != NULL) {
			memcpy(nd, b->data, b->len);
			wipe_free(b->data, b->cap);
		}
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void hp_put_u32(struct hp_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			       (unsigned char)v };
	put_bytes(b, x, 4);
}

void hp_put_str(struct hp_buf *b, const char *s)
{
	size_t n;
	if (s == NULL) {
		hp_put_u32(b, HP_ABSENT);
		return;
	}
	n = strlen(s);
	if (n >= HP_MAX_FRAME) {
		b->failed = 1;
		return;
	}
	hp_put_u32(b, (uint32_t)n);
	put_bytes(b, s, n);
}

void hp_buf_start(struct hp_buf *b, enum hp_type type)
{
	unsigned char t = (unsigned char)type;
	memset(b, 0, sizeof(*b));
	hp_put_u32(b, 0); /* the length, filled in by hp_finish */
	put_bytes(b, &t, 1);
}

int hp_finish(struct hp_buf *b)
{
	size_t n;
	if (b->failed || b->len < 5)
		return -1;
	n = b->len - 4;
	if (n > HP_MAX_FRAME)
		return -1;
	b->data[0] = (unsigned char)(n >> 24);
	b->data[1] = (unsigned char)(n >> 16);
	b->data[2] = (unsigned char)(n >> 8);
	b->data[3] = (unsigned char)n;
	return 0;
}

void hp_buf_free(struct hp_buf *b)
{
	wipe_free(b->data, b->cap);
	memset(b, 0, sizeof(*b));
}

static void put_session(struct hp_buf *b, uint32_t has, const struct tmdb_session *s)
{
	char id[24];
	hp_put_u32(b, has ? 1 : 0);
	if (!has)
		return;
	snprintf(id, sizeof(id), "%lld", s->account_id);
	hp_put_str(b, s->session_id);
	hp_put_str(b, id);
	hp_put_str(b, s->username);
	hp_put_str(b, s->access_token);
	hp_put_str(b, s->account_object_id);
}

static int done(struct hp_buf *b)
{
	if (hp_finish(b) == 0)
		return 0;
	hp_buf_free(b);
	return -1;
}

int hp_encode_request(const struct hp_request *r, struct hp_buf *b)
{
	hp_buf_start(b, HP_REQUEST);
	hp_put_u32(b, r->version);
	hp_put_u32(b, r->op);
	hp_put_u32(b, r->flags);
	hp_put_u32(b, r->has_conv);
	hp_put_str(b, r->service);
	hp_put_str(b, r->user);
	hp_put_str(b, r->tty);
	hp_put_str(b, r->xdisplay);
	hp_put_str(b, r->rhost);
	hp_put_str(b, r->return_to);
	hp_put_str(b, r->enroll);
	hp_put_u32(b, r->argc);
	for (uint32_t i = 0; i < r->argc && i < HP_MAX_ARGS; i++)
		hp_put_str(b, r->argv[i]);
	put_session(b, r->has_session, &r->session);
	return done(b);
}

int hp_encode_conv(const struct hp_conv *c, struct hp_buf *b)
{
	hp_buf_start(b, HP_CONV);
	hp_put_u32(b, c->n);
	for (uint32_t i = 0; i < c->n && i < HP_MAX_MSGS; i++) {
		hp_put_u32(b, c->style[i]);
		hp_put_str(b, c->text[i]);
	}
	return done(b);
}

int hp_encode_conv_reply(const struct hp_conv_reply *c, struct hp_buf *b)
{
	hp_buf_start(b, HP_CONV_REPLY);
	hp_put_u32(b, c->rc);
	hp_put_str(b, c->reply);
	return done(b);
}

int hp_encode_log(const struct hp_log *l, struct hp_buf *b)
{
	hp_buf_start(b, HP_LOG);
	hp_put_u32(b, l->prio);
	hp_put_str(b, l->text);
	return done(b);
}

int hp_encode_result(const struct hp_result *r, struct hp_buf *b)
{
	hp_buf_start(b, HP_RESULT);
	hp_put_u32(b, r->rc);
	hp_put_u32(b, r->export_env);
	hp_put_u32(b, r->forget);
	put_session(b, r->has_session, &r->session);
	return done(b);
}

int hp_encode_taken(uint32_t rc, struct hp_buf *b)
{
	hp_buf_start(b, HP_TAKEN);
	hp_put_u32(b, rc);
	return done(b);
}

int hp_encode_outcome(uint32_t outcome, struct hp_buf *b)
{
	hp_buf_start(b, HP_OUTCOME);
	hp_put_u32(b, outcome);
	return done(b);
}

/* ---- reading ---- */

struct reader {
	const unsigned char *p;
	size_t left;
	int bad;
};

static uint32_t get_u32(struct reader *r)
{
	uint32_t v;
	if (r->bad || r->left < 4) {
		r->bad = 1;
		return 0;
	}
	v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return v;
}

/* A string of at most max bytes without NUL; absent gives NULL (allowed only when optional). */
static char *get_str(struct reader *r, size_t max, int optional)
{
	uint32_t n = get_u32(r);
	char *s;
	if (r->bad)
		return NULL;
	if (n == HP_ABSENT) {
		if (!optional)
			r->bad = 1;
		return NULL;
	}
	if (n > max || n > r->left || memchr(r->p, '\0', n) != NULL) {
		r->bad = 1;
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (s == NULL) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, r->p, n);
	s[n] = '\0';
	r->p += n;
	r->left -= n;
	return s;
}

static uint32_t get_bool(struct reader *r)
{
	uint32_t v = get_u32(r);
	if (v > 1)
		r->bad = 1;
	return v;
}

static int finished(struct reader *r)
{
	return r->bad || r->left != 0 ? -1 : 0;
}

/* An account id: decimal digits, positive, no sign or leading zero. */
static int parse_account_id(const char *s, long long *out)
{
	long long v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 18 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static void get_session(struct reader *r, uint32_t *has, struct tmdb_session *s)
{
	char *id;
	*has = get_bool(r);
	if (r->bad || !*has)
		return;
	s->session_id = get_str(r, HP_MAX_SECRET, 0);
	id = get_str(r, 32, 0);
	s->username = get_str(r, HP_MAX_NAME, 0);
	s->access_token = get_str(r, HP_MAX_SECRET, 1);
	s->account_object_id = get_str(r, HP_MAX_NAME, 1);
	if (!r->bad && (id == NULL || parse_account_id(id, &s->account_id) != 0))
		r->bad = 1;
	/* both v4 halves or neither (credential.h) */
	if (!r->bad && (s->access_token == NULL) != (s->account_object_id == NULL))
		r->bad = 1;
	free(id);
}

int hp_decode_request(const unsigned char *p, size_t n, struct hp_request *q)
{
	struct reader r = { p, n, 0 };
	memset(q, 0, sizeof(*q));
	q->version = get_u32(&r);
	q->op = get_u32(&r);
	q->flags = get_u32(&r);
	q->has_conv = get_bool(&r);
	if (!r.bad && (q->version != HP_VERSION || q->op < HP_OP_AUTHENTICATE || q->op > HP_OP_FORGET))
		r.bad = 1;
	q->service = get_str(&r, HP_MAX_NAME, 0);
	q->user = get_str(&r, HP_MAX_NAME, 0);
	q->tty = get_str(&r, HP_MAX_NAME, 1);
	q->xdisplay = get_str(&r, HP_MAX_NAME, 1);
	q->rhost = get_str(&r, HP_MAX_NAME, 1);
	q->return_to = get_str(&r, HP_MAX_ARG, 1);
	q->enroll = get_str(&r, HP_MAX_NAME, 1);
	q->argc = get_u32(&r);
	if (q->argc > HP_MAX_ARGS)
		r.bad = 1;
	for (uint32_t i = 0; !r.bad && i < q->argc; i++)
		q->argv[i] = get_str(&r, HP_MAX_ARG, 0);
	get_session(&r, &q->has_session, &q->session);
	if (finished(&r) != 0) {
		hp_request_clear(q);
		return -1;
	}
	return 0;
}

int hp_decode_conv(const unsigned char *p, size_t n, struct hp_conv *c)
{
	struct reader r = { p, n, 0 };
	memset(c, 0, sizeof(*c));
	c->n = get_u32(&r);
	if (c->n == 0 || c->n > HP_MAX_MSGS)
		r.bad = 1;
	for (uint32_t i = 0; !r.bad && i < c->n; i++) {
		c->style[i] = get_u32(&r);
		c->text[i] = get_str(&r, HP_MAX_TEXT, 0);
	}
	if (finished(&r) != 0) {
		hp_conv_clear(c);
		return -1;
	}
	return 0;
}

int hp_decode_conv_reply(const unsigned char *p, size_t n, struct hp_conv_reply *c)
{
	struct reader r = { p, n, 0 };
	memset(c, 0, sizeof(*c));
	c->rc = get_u32(&r);
	c->reply = get_str(&r, HP_MAX_REPLY, 1);
	if (finished(&r) != 0) {
		hp_conv_reply_clear(c);
		return -1;
	}
	return 0;
}

int hp_decode_log(const unsigned char *p, size_t n, struct hp_log *l)
{
	struct reader r = { p, n, 0 };
	memset(l, 0, sizeof(*l));
	l->prio = get_u32(&r);
	l->text = get_str(&r, HP_MAX_LOG, 0);
	if (l->prio > 7)
		r.bad = 1;
	if (finished(&r) != 0) {
		hp_log_clear(l);
		return -1;
	}
	return 0;
}

int hp_decode_result(const unsigned char *p, size_t n, struct hp_result *q)
{
	struct reader r = { p, n, 0 };
	memset(q, 0, sizeof(*q));
	q->rc = get_u32(&r);
	q->export_env = get_bool(&r);
	q->forget = get_bool(&r);
	if (q->rc > 64)
		r.bad = 1;
	get_session(&r, &q->has_session, &q->session);
	if (finished(&r) != 0) {
		hp_result_clear(q);
		return -1;
	}
	return 0;
}

int hp_decode_taken(const unsigned char *p, size_t n, uint32_t *rc)
{
	struct reader r = { p, n, 0 };
	*rc = get_u32(&r);
	return finished(&r);
}

int hp_decode_outcome(const unsigned char *p, size_t n, uint32_t *outcome)
{
	struct reader r = { p, n, 0 };
	*outcome = get_u32(&r);
	if (*outcome < HP_CLAIM || *outcome > HP_REVOKE)
		r.bad = 1;
	return finished(&r);
}

void hp_request_clear(struct hp_request *r)
{
	free(r->service);
	free(r->user);
	free(r->tty);
	free(r->xdisplay);
	free(r->rhost);
	free(r->return_to);
	free(r->enroll);
	for (uint32_t i = 0; i < HP_MAX_ARGS; i++)
		free(r->argv[i]);
	session_clear(&r->session);
	memset(r, 0, sizeof(*r));
}

void hp_conv_clear(struct hp_conv *c)
{
	for (uint32_t i = 0; i < HP_MAX_MSGS; i++)
		wipe_free_str(c->text[i]); /* an approval URL holds the request token */
	memset(c, 0, sizeof(*c));
}

void hp_conv_reply_clear(struct hp_conv_reply *c)
{
	wipe_free_str(c->reply);
	memset(c, 0, sizeof(*c));
}

void hp_log_clear(struct hp_log *l)
{
	free(l->text);
	memset(l, 0, sizeof(*l));
}

void hp_result_clear(struct hp_result *r)
{
	session_clear(&r->session);
	memset(r, 0, sizeof(*r));
}

/* ---- the socket ---- */

int hp_send(int fd, const struct hp_buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t n = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Reads exactly n bytes before deadline (clock_now_ms; < 0: none). 0, 1 (the peer closed
 * before the first byte), or -1 with *why. */
static int read_exact(int fd, long deadline, unsigned char *p, size_t n, const char **why)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t r;
		long left = deadline < 0 ? -1 : deadline - clock_now_ms();
		/* past the deadline: one more look without waiting (what is there is still read) */
		int pr = poll(&pfd, 1, deadline < 0 ? -1 : left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			*why = "timeout";
			return -1;
		}
		if (pr < 0) {
			*why = "read error";
			return -1;
		}
		r = recv(fd, p + got, n - got, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			*why = "read error";
			return -1;
		}
		if (r == 0) {
			if (got == 0)
				return 1;
			*why = "truncated";
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int hp_recv(int fd, int timeout_ms, uint8_t *type, unsigned char **payload, size_t *len, const char **why)
{
	unsigned char head[5];
	uint32_t n;
	unsigned char *data;
	/* one deadline for the whole frame: a peer that drips a byte at a time gains nothing */
	long deadline = timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
	int rc = read_exact(fd, deadline, head, 4, why);

	*payload = NULL;
	*len = 0;
	if (rc == 1) {
		*why = "closed";
		return -1;
	}
	if (rc != 0)
		return -1;
	n = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	if (n == 0 || n > HP_MAX_FRAME) {
		*why = n == 0 ? "truncated" : "too large";
		return -1;
	}
	rc = read_exact(fd, deadline, head + 4, 1, why);
	if (rc != 0) {
		if (rc == 1)
			*why = "truncated";
		return -1;
	}
	*type = head[4];
	data = malloc(n > 1 ? n - 1 : 1);
	if (data == NULL) {
		*why = "out of memory";
		return -1;
	}
	rc = n > 1 ? read_exact(fd, deadline, data, n - 1, why) : 0;
	if (rc != 0) {
		if (rc == 1)
			*why = "truncated";
		wipe_free(data, n - 1);
		return -1;
	}
	*payload = data;
	*len = n - 1;
	return 0;
}

void hp_payload_free(unsigned char *payload, size_t len)
{
	wipe_free(payload, len ? len : 1);
}
