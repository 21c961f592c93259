/* SPDX-License-Identifier: BSD-3-Clause */
/* stats.c: counters and the request log. */
#include "config.h"

#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->epoch = 1;
}

/* Caller holds s->mu. */
static void clear_locked(struct stats *s)
{
	struct counter *c, *next;
	size_t i;

	for (c = s->counters; c != NULL; c = next) {
		next = c->next;
		free(c->key);
		free(c);
	}
	s->counters = NULL;
	for (i = 0; i < s->log_len; i++) {
		size_t k = (s->log_start + i) % STATS_LOG_MAX;

		free(s->log[k]);
		s->log[k] = NULL;
	}
	s->log_start = s->log_len = 0;
	s->connections = s->tls_connections = s->accepted = 0;
	s->total = s->browser = s->control = 0;
}

void stats_destroy(struct stats *s)
{
	pthread_mutex_lock(&s->mu);
	clear_locked(s);
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_destroy(&s->mu);
}

void stats_reset(struct stats *s)
{
	pthread_mutex_lock(&s->mu);
	clear_locked(s);
	s->epoch++;
	pthread_mutex_unlock(&s->mu);
}

void stats_conn_open(struct stats *s, struct conn_info *c)
{
	pthread_mutex_lock(&s->mu);
	c->serial = ++s->next_serial;
	s->accepted++;
	s->open++;
	pthread_mutex_unlock(&s->mu);
}

void stats_conn_close(struct stats *s)
{
	pthread_mutex_lock(&s->mu);
	if (s->open > 0)
		s->open--;
	pthread_mutex_unlock(&s->mu);
}

void stats_count(struct stats *s, struct conn_info *c, enum request_class cls,
		 const char *method, const char *path)
{
	struct counter *ctr;
	char *key = NULL;
	size_t len;

	pthread_mutex_lock(&s->mu);
	if (cls == REQ_CONTROL) {
		s->control++;
		goto out;
	}
	if (cls == REQ_BROWSER) {
		s->browser++;
		goto out;
	}
	s->total++;
	if (c != NULL && c->counted_epoch != s->epoch) {
		c->counted_epoch = s->epoch;
		s->connections++;
		if (c->tls)
			s->tls_connections++;
	}
	len = strlen(method) + 1 + strlen(path);
	key = xmalloc(len + 1);
	snprintf(key, len + 1, "%s %s", method, path);
	for (ctr = s->counters; ctr != NULL; ctr = ctr->next)
		if (strcmp(ctr->key, key) == 0)
			break;
	if (ctr == NULL) {
		ctr = xcalloc(1, sizeof(*ctr));
		ctr->key = key;
		key = NULL;
		ctr->next = s->counters;
		s->counters = ctr;
	}
	ctr->n++;
out:
	pthread_mutex_unlock(&s->mu);
	free(key);
}

void stats_log(struct stats *s, char *json)
{
	pthread_mutex_lock(&s->mu);
	if (s->log_len == STATS_LOG_MAX) {
		free(s->log[s->log_start]);
		s->log[s->log_start] = json;
		s->log_start = (s->log_start + 1) % STATS_LOG_MAX;
	} else {
		s->log[(s->log_start + s->log_len) % STATS_LOG_MAX] = json;
		s->log_len++;
	}
	pthread_mutex_unlock(&s->mu);
}

void stats_dump(struct stats *s, struct buf *out)
{
	const struct counter *c;

	pthread_mutex_lock(&s->mu);
	buf_printf(out, "{\"connections\":%lu,\"tls_connections\":%lu,\"requests\":{",
		   s->connections, s->tls_connections);
	for (c = s->counters; c != NULL; c = c->next) {
		buf_json_cstr(out, c->key);
		buf_printf(out, ":%lu%s", c->n, c->next != NULL ? "," : "");
	}
	buf_printf(out, "},\"total_requests\":%lu,\"browser_requests\":%lu,"
		   "\"control_requests\":%lu,\"accepted_connections\":%lu,"
		   "\"open_connections\":%lu}",
		   s->total, s->browser, s->control, s->accepted, s->open);
	pthread_mutex_unlock(&s->mu);
}

void stats_dump_log(struct stats *s, struct buf *out)
{
	size_t i;

	pthread_mutex_lock(&s->mu);
	buf_adds(out, "[");
	for (i = 0; i < s->log_len; i++) {
		if (i > 0)
			buf_adds(out, ",");
		buf_adds(out, s->log[(s->log_start + i) % STATS_LOG_MAX]);
	}
	buf_adds(out, "]");
	pthread_mutex_unlock(&s->mu);
}
