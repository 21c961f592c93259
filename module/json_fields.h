/* SPDX-License-Identifier: BSD-3-Clause */
/* json_fields.h — strict extraction of a few top-level fields from an untrusted JSON object
 * (yajl's event parser: no tree is built, nesting is bounded, duplicates are refused). */
#ifndef PAM_TMDB_JSON_FIELDS_H
#define PAM_TMDB_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 32

enum jf_type { JF_STRING, JF_INT, JF_BOOL };

struct jf_field {
	const char *name;    /* in: top-level key */
	enum jf_type type;   /* in: the expected type (null is always accepted: is_null) */
	/* out: */
	bool seen;
	bool is_null;
	char *str;           /* JF_STRING: NUL-terminated copy, free with wipe_free_str() */
	long long num;       /* JF_INT */
	bool boolean;        /* JF_BOOL */
};

/* Parses buf (len bytes, need not be NUL-terminated). The document must be one object; the
 * named keys, where present at the top level, must have their type (or null); a named key
 * may appear once; strings must be valid UTF-8 without NUL. Other keys and nested values
 * are skipped. Returns 0, or -1 with *why set to a static reason (fields are then cleared). */
int json_fields_parse(const char *buf, size_t len, struct jf_field *fields, size_t n, const char **why);

/* Frees (wiping) the strings of fields. */
void json_fields_clear(struct jf_field *fields, size_t n);

#endif
