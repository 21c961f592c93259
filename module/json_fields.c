/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "json_fields.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "text.h"
#include "wipe.h"

struct jf_state {
	struct jf_field *fields;
	size_t n;
	int depth;              /* 1 inside the top-level object */
	struct jf_field *current; /* the named field whose value comes next, at depth 1 */
	const char *why;
	bool top_seen;
};

static int fail(struct jf_state *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return 0; /* stops yajl */
}

/* Called before every value: checks the document shape and returns the field the value is
 * for (NULL when the value is to be skipped). *ok is cleared on a shape error. */
static struct jf_field *value_target(struct jf_state *s, int *ok)
{
	struct jf_field *f = NULL;
	*ok = 1;
	if (s->depth == 0) {
		/* a scalar or array at the top level */
		*ok = fail(s, "not a JSON object");
		return NULL;
	}
	if (s->depth == 1) {
		f = s->current;
		s->current = NULL;
	}
	return f;
}

static int on_null(void *ctx)
{
	struct jf_state *s = ctx;
	int ok;
	struct jf_field *f = value_target(s, &ok);
	if (f != NULL)
		f->is_null = true;
	return ok;
}

static int on_boolean(void *ctx, int b)
{
	struct jf_state *s = ctx;
	int ok;
	struct jf_field *f = value_target(s, &ok);
	if (f != NULL) {
		if (f->type != JF_BOOL)
			return fail(s, "field has the wrong type");
		f->boolean = b != 0;
	}
	return ok;
}

static int on_integer(void *ctx, long long v)
{
	struct jf_state *s = ctx;
	int ok;
	struct jf_field *f = value_target(s, &ok);
	if (f != NULL) {
		if (f->type != JF_INT)
			return fail(s, "field has the wrong type");
		f->num = v;
	}
	return ok;
}

static int on_double(void *ctx, double v)
{
	struct jf_state *s = ctx;
	int ok;
	struct jf_field *f = value_target(s, &ok);
	(void)v;
	if (f != NULL)
		return fail(s, "field has the wrong type");
	return ok;
}

static int on_string(void *ctx, const unsigned char *str, size_t len)
{
	struct jf_state *s = ctx;
	int ok;
	struct jf_field *f = value_target(s, &ok);
	if (f != NULL) {
		if (f->type != JF_STRING)
			return fail(s, "field has the wrong type");
		if (memchr(str, '\0', len) != NULL)
			return fail(s, "string holds a NUL character");
		/* yajl turns a lone \uD800-\uDFFF escape into bytes that are not UTF-8 */
		if (!text_is_utf8((const char *)str, len))
			return fail(s, "string is not valid UTF-8");
		f->str = malloc(len + 1);
		if (f->str == NULL)
			return fail(s, "out of memory");
		memcpy(f->str, str, len);
		f->str[len] = '\0';
	}
	return ok;
}

static int on_start_map(void *ctx)
{
	struct jf_state *s = ctx;
	if (s->depth == 0) {
		if (s->top_seen)
			return fail(s, "more than one JSON value");
		s->top_seen = true;
	} else {
		int ok;
		struct jf_field *f = value_target(s, &ok);
		if (f != NULL)
			return fail(s, "field has the wrong type");
	}
	if (++s->depth > JSON_MAX_DEPTH)
		return fail(s, "nested too deeply");
	return 1;
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct jf_state *s = ctx;
	if (s->depth != 1)
		return 1;
	s->current = NULL;
	for (size_t i = 0; i < s->n; i++) {
		struct jf_field *f = &s->fields[i];
		if (strlen(f->name) == len && memcmp(f->name, key, len) == 0) {
			if (f->seen)
				return fail(s, "duplicate key");
			f->seen = true;
			s->current = f;
			break;
		}
	}
	return 1;
}

static int on_end_map(void *ctx)
{
	struct jf_state *s = ctx;
	s->depth--;
	return 1;
}

static int on_start_array(void *ctx)
{
	struct jf_state *s = ctx;
	int ok;
	struct jf_field *f = value_target(s, &ok);
	if (!ok)
		return 0;
	if (f != NULL)
		return fail(s, "field has the wrong type");
	if (++s->depth > JSON_MAX_DEPTH)
		return fail(s, "nested too deeply");
	return 1;
}

static int on_end_array(void *ctx)
{
	struct jf_state *s = ctx;
	s->depth--;
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_integer = on_integer,
	.yajl_double = on_double,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

void json_fields_clear(struct jf_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		wipe_free_str(fields[i].str);
		fields[i].str = NULL;
		fields[i].seen = false;
		fields[i].is_null = false;
		fields[i].num = 0;
		fields[i].boolean = false;
	}
}

int json_fields_parse(const char *buf, size_t len, struct jf_field *fields, size_t n, const char **why)
{
	struct jf_state s = { .fields = fields, .n = n };
	yajl_handle h;
	yajl_status st;

	json_fields_clear(fields, n);
	h = yajl_alloc(&callbacks, NULL, &s);
	if (h == NULL) {
		*why = "out of memory";
		return -1;
	}
	/* Defaults kept on purpose: no comments, UTF-8 validated, one value, no partial values. */
	st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (st != yajl_status_ok || !s.top_seen) {
		*why = s.why != NULL ? s.why : "not valid JSON";
		json_fields_clear(fields, n);
		return -1;
	}
	return 0;
}
