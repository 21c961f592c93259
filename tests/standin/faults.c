/* SPDX-License-Identifier: BSD-3-Clause */
/* faults.c: fault options and the ordered fault queue. */
#include "config.h"

#include "faults.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#define MAX_MS 3600000L
#define MAX_HEADER_BYTES 400000L
#define MAX_PAD_BYTES (64L * 1024 * 1024)

void faults_init(struct faults *fs)
{
	memset(fs, 0, sizeof(*fs));
	pthread_mutex_init(&fs->mu, NULL);
}

static void free_list(struct fault *f)
{
	struct fault *next;

	for (; f != NULL; f = next) {
		next = f->next;
		fault_free(f);
	}
}

void faults_destroy(struct faults *fs)
{
	free_list(fs->head);
	pthread_mutex_destroy(&fs->mu);
}

void faults_clear(struct faults *fs)
{
	struct fault *old;

	pthread_mutex_lock(&fs->mu);
	old = fs->head;
	fs->head = fs->tail = NULL;
	fs->n = 0;
	pthread_mutex_unlock(&fs->mu);
	free_list(old);
}

void fault_init(struct fault *f)
{
	memset(f, 0, sizeof(*f));
	f->count = -1;
}

void fault_free(struct fault *f)
{
	if (f == NULL)
		return;
	free(f->path);
	free(f->method);
	free(f->body);
	free(f->redirect);
	free(f->retry_after);
	free(f->content_type);
	free(f);
}

static int set_str(char **dst, const char *value)
{
	if (value == NULL)
		return -1;
	free(*dst);
	*dst = xstrdup(value);
	return 0;
}

int fault_set(struct fault *f, const char *key, const char *v)
{
	if (strcmp(key, "path") == 0)
		return (v != NULL && v[0] == '/') ? set_str(&f->path, v) : -1;
	if (strcmp(key, "method") == 0)
		return set_str(&f->method, v);
	if (strcmp(key, "status") == 0)
		return parse_long(v, 100, 999, &f->status);
	if (strcmp(key, "tmdb_status") == 0)
		return parse_long(v, 1, 1000, &f->tmdb_status);
	if (strcmp(key, "body") == 0)
		return set_str(&f->body, v != NULL ? v : "");
	if (strcmp(key, "delay_ms") == 0)
		return parse_long(v, 0, MAX_MS, &f->delay_ms);
	if (strcmp(key, "hold_ms") == 0)
		return parse_long(v, 0, MAX_MS, &f->hold_ms);
	if (strcmp(key, "trickle_ms") == 0)
		return parse_long(v, 0, MAX_MS, &f->trickle_ms);
	if (strcmp(key, "close") == 0)
		return parse_flag(v, &f->close);
	if (strcmp(key, "close_mid_body") == 0)
		return parse_flag(v, &f->close_mid_body);
	if (strcmp(key, "endless") == 0)
		return parse_flag(v, &f->endless);
	if (strcmp(key, "no_callback") == 0)
		return parse_flag(v, &f->no_callback);
	if (strcmp(key, "redirect") == 0)
		return set_str(&f->redirect, v);
	if (strcmp(key, "retry_after") == 0)
		return set_str(&f->retry_after, v);
	if (strcmp(key, "content_type") == 0)
		return set_str(&f->content_type, v);
	if (strcmp(key, "header_bytes") == 0)
		return parse_long(v, 0, MAX_HEADER_BYTES, &f->header_bytes);
	if (strcmp(key, "pad_bytes") == 0)
		return parse_long(v, 0, MAX_PAD_BYTES, &f->pad_bytes);
	if (strcmp(key, "count") == 0)
		return parse_long(v, 1, 1000000L, &f->count);
	return -1;
}

size_t faults_add(struct faults *fs, struct fault *f)
{
	size_t n;

	f->next = NULL;
	pthread_mutex_lock(&fs->mu);
	if (fs->tail != NULL)
		fs->tail->next = f;
	else
		fs->head = f;
	fs->tail = f;
	n = ++fs->n;
	pthread_mutex_unlock(&fs->mu);
	return n;
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static struct fault *fault_copy(const struct fault *f)
{
	struct fault *c = xmalloc(sizeof(*c));

	*c = *f;
	c->next = NULL;
	c->path = dup_or_null(f->path);
	c->method = dup_or_null(f->method);
	c->body = dup_or_null(f->body);
	c->redirect = dup_or_null(f->redirect);
	c->retry_after = dup_or_null(f->retry_after);
	c->content_type = dup_or_null(f->content_type);
	return c;
}

struct fault *faults_take(struct faults *fs, const char *method, const char *path)
{
	struct fault *f, *prev = NULL, *found = NULL;

	pthread_mutex_lock(&fs->mu);
	for (f = fs->head; f != NULL; prev = f, f = f->next) {
		if (strcmp(f->path, path) != 0)
			continue;
		if (f->method != NULL && strcmp(f->method, method) != 0)
			continue;
		if (f->count > 0 && --f->count == 0) {
			/* Last use: unlink and hand over the node itself. */
			if (prev != NULL)
				prev->next = f->next;
			else
				fs->head = f->next;
			if (fs->tail == f)
				fs->tail = prev;
			fs->n--;
			f->next = NULL;
			found = f;
		} else {
			found = fault_copy(f);
		}
		break;
	}
	pthread_mutex_unlock(&fs->mu);
	return found;
}
