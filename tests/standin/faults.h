/* SPDX-License-Identifier: BSD-3-Clause */
/* faults.h: the queue of injected faults, matched by exact path (and
 * optionally method), applied in the order they were installed. */
#ifndef STANDIN_FAULTS_H
#define STANDIN_FAULTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct fault {
	char *path;
	char *method;          /* NULL: any method */
	long status;           /* 0: normal handler runs */
	long tmdb_status;      /* 0: derived from status */
	char *body;            /* raw body for status faults */
	long delay_ms;
	long hold_ms;          /* the handler runs, then the answer waits this long */
	long trickle_ms;
	bool close;
	bool close_mid_body;
	bool endless;
	bool no_callback;
	char *redirect;
	char *retry_after;
	char *content_type;
	long header_bytes;
	long pad_bytes;
	long count;            /* remaining uses; -1: until reset */
	struct fault *next;
};

struct faults {
	pthread_mutex_t mu;
	struct fault *head, *tail;
	size_t n;
};

void faults_init(struct faults *fs);
void faults_destroy(struct faults *fs);
void faults_clear(struct faults *fs);

void fault_init(struct fault *f);
/* Sets one option from a control-API query argument. Returns 0, or -1
 * for an unknown option or a bad value. */
int fault_set(struct fault *f, const char *key, const char *value);
void fault_free(struct fault *f);   /* frees members and f itself */

/* Appends f (heap-allocated, ownership taken). Returns the queue length. */
size_t faults_add(struct faults *fs, struct fault *f);
/* The first fault matching method+path, consumed once: a heap copy the
 * caller frees with fault_free, or NULL. */
struct fault *faults_take(struct faults *fs, const char *method, const char *path);

#endif
