/* SPDX-License-Identifier: BSD-3-Clause */
/* listener.h — the loopback address the browser comes back to after the user's decision. */
#ifndef TMDB_LOGIN_LISTENER_H
#define TMDB_LOGIN_LISTENER_H

#include <poll.h>
#include <stdbool.h>

#include "return_request.h"

struct listener;

/* Listens on 127.0.0.1 (or [::1]) on a port of the kernel's choice under a random path, for at
 * most timeout_s seconds. *url: http://127.0.0.1:PORT/tmdb-login/<32 hex>, to free. NULL on
 * failure (the reason is said on stderr). */
struct listener *listener_open(bool ipv6, unsigned timeout_s, char **url);

/* Fills at most max pollfds (the listening socket, the connections being read); returns how
 * many. 0 once the listener is closed. */
int listener_pollfds(struct listener *l, struct pollfd *p, int max);

/* Milliseconds until the listener's next deadline (its own end, a connection's read
 * timeout); -1 when there is none. */
int listener_timeout_ms(const struct listener *l);

/* Serves what poll() reported on the fds of listener_pollfds and handles expired deadlines.
 * Returns RETURN_APPROVED or RETURN_DENIED when a well-formed return came, else
 * RETURN_INCOMPLETE. token: the request token of the approval URL, or NULL. */
enum return_verdict listener_serve(struct listener *l, const struct pollfd *p, int n,
				   const char *token);

bool listener_is_open(const struct listener *l);

/* Closes the socket and every connection; frees l (NULL is fine). */
void listener_close(struct listener *l);

#endif
