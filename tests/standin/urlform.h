/* SPDX-License-Identifier: BSD-3-Clause */
/* urlform.h: the two halves of application/x-www-form-urlencoded that the
 * browser pages need: reading one field of a posted form, and writing a
 * query value. */
#ifndef STANDIN_URLFORM_H
#define STANDIN_URLFORM_H

#include <stddef.h>

#include "buf.h"

/* The decoded value of field name in a urlencoded body (len bytes, need not
 * be NUL-terminated), to free; NULL when the field is absent, or its value is
 * malformed (a bad %-escape or an encoded NUL). The first occurrence wins. */
char *urlform_field(const char *body, size_t len, const char *name);

/* Appends s percent-encoded for a query value (unreserved characters kept). */
void urlform_add_encoded(struct buf *b, const char *s);

#endif
