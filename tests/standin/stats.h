/* SPDX-License-Identifier: BSD-3-Clause */
/* stats.h: connection and request counters and the log of recent API
 * requests, for the control API. Thread-safe. */
#ifndef STANDIN_STATS_H
#define STANDIN_STATS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define STATS_LOG_MAX 200

/* Per-TCP-connection data (MHD socket context). */
struct conn_info {
	unsigned long serial;       /* 1, 2, ... since start (never reset) */
	unsigned long counted_epoch;/* epoch in which it was counted, 0: never */
	bool tls;
	char *last_uri;             /* raw request URI of the current request */
};

struct counter {
	char *key;                  /* "METHOD /path" */
	unsigned long n;
	struct counter *next;
};

struct stats {
	pthread_mutex_t mu;
	unsigned long epoch;        /* bumped by stats_reset */
	unsigned long next_serial;
	unsigned long connections;  /* connections that carried an API request */
	unsigned long tls_connections;
	unsigned long accepted;     /* every TCP connection accepted */
	unsigned long open;         /* connections open now (not reset) */
	unsigned long total;        /* API requests */
	unsigned long browser;      /* /authenticate/ requests */
	unsigned long control;      /* /_standin/ requests */
	struct counter *counters;
	char *log[STATS_LOG_MAX];   /* JSON objects, ring buffer */
	size_t log_start, log_len;
};

void stats_init(struct stats *s);
void stats_destroy(struct stats *s);
void stats_reset(struct stats *s);

void stats_conn_open(struct stats *s, struct conn_info *c);
void stats_conn_close(struct stats *s);

enum request_class { REQ_API, REQ_BROWSER, REQ_CONTROL };
/* Counts one request; an API request also counts its connection once. */
void stats_count(struct stats *s, struct conn_info *c, enum request_class cls,
		 const char *method, const char *path);
/* Appends one JSON object (ownership taken) to the request log. */
void stats_log(struct stats *s, char *json);

void stats_dump(struct stats *s, struct buf *out);
void stats_dump_log(struct stats *s, struct buf *out);

#endif
