/* SPDX-License-Identifier: BSD-3-Clause */
/* listener.c — a tiny HTTP server for exactly one kind of request (return_request.c), on
 * loopback only. It lives from before pam_authenticate until pam_authenticate returns, and
 * never longer than --timeout. A connection has READ_TIMEOUT_MS to send its request, and at
 * most MAX_CLIENTS are read at once (the oldest gives way), so silent or slow clients cannot
 * keep the browser's real return out. Every well-formed return ends the current wait; the
 * socket stays open until the end of the authentication, so that a forged return cannot use
 * up the one the real browser will send. Anyone on the machine can connect to the port: what
 * connections do is told on the terminal in a bounded number of lines (a flood of them once),
 * so that they cannot bury the approval URL and the prompt. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "listener.h"
#include "clock.h"
#include "login.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 8
#define READ_TIMEOUT_MS 5000
#define PATH_PREFIX "/tmdb-login/"
#define SECRET_BYTES 16
/* refused requests are each told up to this many times, then once that more were refused */
#define MAX_REFUSAL_LINES 8

struct client {
	int fd;                 /* -1: free slot */
	long deadline;
	long accepted;          /* for "the oldest gives way" */
	size_t len;
	char buf[RETURN_MAX_REQUEST];
};

struct listener {
	int fd;                 /* -1 once closed */
	long deadline;
	unsigned timeout_s;
	char path[sizeof(PATH_PREFIX) + 2 * SECRET_BYTES];
	struct client clients[MAX_CLIENTS];
	bool told_dropped;      /* "too many connections" was said */
	bool told_slow;         /* "sent no whole request" was said */
	unsigned refusals;      /* refused requests so far */
};

static int random_path(char *out, size_t size)
{
	unsigned char r[SECRET_BYTES];
	size_t got = 0;
	int n;

	while (got < sizeof r) {
		ssize_t k = getrandom(r + got, sizeof r - got, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	n = snprintf(out, size, "%s", PATH_PREFIX);
	for (size_t i = 0; i < sizeof r; i++)
		n += snprintf(out + n, size - (size_t)n, "%02x", r[i]);
	return 0;
}

struct listener *listener_open(bool ipv6, unsigned timeout_s, char **url)
{
	struct listener *l = calloc(1, sizeof *l);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	unsigned port;
	size_t n;

	*url = NULL;
	if (l == NULL)
		return NULL;
	for (int i = 0; i < MAX_CLIENTS; i++)
		l->clients[i].fd = -1;
	l->timeout_s = timeout_s;
	memset(&ss, 0, sizeof ss);
	if (ipv6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof *a;
	}
	l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || random_path(l->path, sizeof l->path) != 0 ||
	    bind(l->fd, (struct sockaddr *)&ss, sl) != 0 || listen(l->fd, 16) != 0 ||
	    getsockname(l->fd, (struct sockaddr *)&ss, &sl) != 0) {
		say("cannot listen on %s for the browser's return: %s", ipv6 ? "[::1]" : "127.0.0.1",
		    strerror(errno));
		listener_close(l);
		return NULL;
	}
	port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
	n = strlen(l->path) + 40;
	*url = malloc(n);
	if (*url == NULL) {
		listener_close(l);
		return NULL;
	}
	snprintf(*url, n, "http://%s:%u%s", ipv6 ? "[::1]" : "127.0.0.1", port, l->path);
	l->deadline = clock_now_ms() + (long)timeout_s * 1000L;
	return l;
}

bool listener_is_open(const struct listener *l)
{
	return l != NULL && l->fd >= 0;
}

static void drop(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		drop(&l->clients[i]);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

static void close_socket(struct listener *l)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		drop(&l->clients[i]);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

int listener_pollfds(struct listener *l, struct pollfd *p, int max)
{
	int n = 0;

	if (!listener_is_open(l) || max <= 0)
		return 0;
	p[n++] = (struct pollfd){ .fd = l->fd, .events = POLLIN };
	for (int i = 0; i < MAX_CLIENTS && n < max; i++)
		if (l->clients[i].fd >= 0)
			p[n++] = (struct pollfd){ .fd = l->clients[i].fd, .events = POLLIN };
	return n;
}

int listener_timeout_ms(const struct listener *l)
{
	long now = clock_now_ms(), next;

	if (!listener_is_open(l))
		return -1;
	next = l->deadline;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (l->clients[i].fd >= 0 && l->clients[i].deadline < next)
			next = l->clients[i].deadline;
	return next <= now ? 0 : (int)(next - now);
}

static const char page_approved[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tmdb-login</title></head>"
	"<body><h1>You can return to the application</h1>"
	"<p>tmdb-login has your answer. You may close this page.</p></body></html>\n";
static const char page_denied[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tmdb-login</title></head>"
	"<body><h1>Login denied</h1>"
	"<p>The login was not approved. You may close this page.</p></body></html>\n";

static void answer(int fd, enum return_verdict v)
{
	char head[512];
	const char *body, *type = "text/html; charset=utf-8";
	int n;

	if (v == RETURN_APPROVED) {
		body = page_approved;
	} else if (v == RETURN_DENIED) {
		body = page_denied;
	} else {
		body = return_status(v);
		type = "text/plain; charset=utf-8";
	}
	n = snprintf(head, sizeof head,
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
		     "Connection: close\r\n\r\n", return_status(v), type, strlen(body));
	/* small enough for an empty socket buffer; a client that does not read loses the page */
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
		(void)send(fd, body, strlen(body), MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	/* read what is left of an oversized request, so that close() does not reset the
	 * connection and throw the answer away before the client read it */
	for (int i = 0; i < 16; i++) {
		char sink[4096];
		if (recv(fd, sink, sizeof sink, MSG_DONTWAIT) <= 0)
			break;
	}
}

static void accept_all(struct listener *l, long now)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *slot = NULL;

		if (fd < 0)
			return; /* EAGAIN, or an error a later poll() reports again */
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &l->clients[i];
			if (c->fd < 0) {
				slot = c;
				break;
			}
			if (slot == NULL || c->accepted < slot->accepted)
				slot = c;
		}
		if (slot->fd >= 0 && !l->told_dropped) {
			say("return address: too many connections at once; dropping the oldest "
			    "(said once, however many follow)");
			l->told_dropped = true;
		}
		drop(slot);
		slot->fd = fd;
		slot->accepted = now;
		slot->deadline = now + READ_TIMEOUT_MS;
	}
}

/* Reads what c has sent; returns a final verdict, or RETURN_INCOMPLETE to read on later. */
static enum return_verdict read_client(struct listener *l, struct client *c, const char *token)
{
	const char *why = "";
	enum return_verdict v;
	ssize_t k = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, MSG_DONTWAIT);

	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return RETURN_INCOMPLETE;
	if (k <= 0) {
		drop(c); /* gone before a whole request */
		return RETURN_INCOMPLETE;
	}
	c->len += (size_t)k;
	v = return_judge(c->buf, c->len, l->path, token, &why);
	if (v == RETURN_INCOMPLETE)
		return v;
	answer(c->fd, v);
	drop(c);
	if (v == RETURN_APPROVED || v == RETURN_DENIED)
		return v;
	if (l->refusals < MAX_REFUSAL_LINES)
		say("return address: refused a request (%s): %s", return_status(v), why);
	else if (l->refusals == MAX_REFUSAL_LINES)
		say("return address: refused more requests; no further ones are told");
	l->refusals++;
	return RETURN_INCOMPLETE;
}

enum return_verdict listener_serve(struct listener *l, const struct pollfd *p, int n,
				   const char *token)
{
	long now = clock_now_ms();
	enum return_verdict result = RETURN_INCOMPLETE;

	if (!listener_is_open(l))
		return result;
	for (int i = 0; i < n && result == RETURN_INCOMPLETE; i++) {
		if (p[i].revents == 0)
			continue;
		if (p[i].fd == l->fd) {
			accept_all(l, now);
			continue;
		}
		for (int j = 0; j < MAX_CLIENTS; j++)
			if (l->clients[j].fd == p[i].fd) {
				result = read_client(l, &l->clients[j], token);
				break;
			}
	}
	for (int j = 0; j < MAX_CLIENTS; j++) {
		struct client *c = &l->clients[j];
		if (c->fd >= 0 && c->deadline <= now) {
			if (!l->told_slow)
				say("return address: a connection sent no whole request in %d ms; closed it "
				    "(said once, however many follow)", READ_TIMEOUT_MS);
			l->told_slow = true;
			answer(c->fd, RETURN_BAD);
			drop(c);
		}
	}
	if (result == RETURN_INCOMPLETE && l->deadline <= now) {
		say("return address closed after %u s (--timeout); press Enter once you have approved",
		    l->timeout_s);
		close_socket(l);
	}
	return result;
}
