/* SPDX-License-Identifier: BSD-3-Clause */
/* buf.h: a growable byte buffer with JSON-writing helpers.
 * Out of memory aborts: the stand-in is a test tool, not a service. */
#ifndef STANDIN_BUF_H
#define STANDIN_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;   /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s (len bytes) as a JSON string literal, quotes included;
 * invalid UTF-8 becomes U+FFFD so the output is always valid JSON. */
void buf_json_str(struct buf *b, const char *s, size_t len);
/* Appends a JSON string literal for a NUL-terminated string, or null. */
void buf_json_cstr(struct buf *b, const char *s);
/* Appends s with the five HTML special characters escaped. */
void buf_html(struct buf *b, const char *s);
/* Returns the data (never NULL) and leaves b empty; caller frees. */
char *buf_steal(struct buf *b);

/* Allocation wrappers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

#endif
