/* SPDX-License-Identifier: BSD-3-Clause */
/* server.h: the libmicrohttpd daemon: one thread per connection,
 * request bodies gathered, then dispatched to the API, browser or control
 * handlers with faults, counters and the request log applied. */
#ifndef STANDIN_SERVER_H
#define STANDIN_SERVER_H


#include "standin.h"

struct MHD_Daemon;

struct server_config {
	int listen_fd;                 /* bound, listening socket (MHD closes it) */
	int family;                    /* its address family */
	const char *tls_cert_pem;      /* NULL: plain HTTP */
	const char *tls_key_pem;
	unsigned connection_timeout;   /* seconds */
};

/* Starts listening; returns NULL on failure (reason on stderr). */
struct MHD_Daemon *server_start(struct standin *si, const struct server_config *cfg);
void server_stop(struct MHD_Daemon *d);

#endif
