/* SPDX-License-Identifier: BSD-3-Clause */
/* variants.c: names and values of the unrecorded answers (variants.h). */
#include "config.h"

#include "variants.h"

#include <string.h>

static const struct {
	const char *name;
	const char *values[5];         /* NULL-terminated; [0] is the default */
} table[VAR_COUNT] = {
	[VAR_V4_NOT_APPROVED] = { "v4_not_approved", { "422/41", "401/33", "401/17", NULL } },
	[VAR_V3_NOT_APPROVED] = { "v3_not_approved", { "401/17", "401/33", NULL } },
	[VAR_V3_SPENT] = { "v3_spent", { "401/17", "401/33", NULL } },
	[VAR_DELETE_UNKNOWN] = { "delete_unknown", { "default", "404/6", "401/35", "200", NULL } },
	[VAR_BAD_BEARER] = { "bad_bearer", { "401/7", "401/3", NULL } },
	[VAR_RATE_LIMIT] = { "rate_limit", { "json", "json-retry-after", "text", "text-retry-after", NULL } },
};

void variants_init(struct variants *v)
{
	for (int i = 0; i < VAR_COUNT; i++) {
		v->start[i] = 0;
		atomic_init(&v->now[i], 0);
	}
}

/* The index of name in the table and of value among its values; -1 when either is unknown. */
static int lookup(const char *name, size_t name_len, const char *value, int *which)
{
	for (int i = 0; i < VAR_COUNT; i++) {
		if (strlen(table[i].name) != name_len || strncmp(table[i].name, name, name_len) != 0)
			continue;
		for (int k = 0; table[i].values[k] != NULL; k++) {
			if (strcmp(table[i].values[k], value) == 0) {
				*which = i;
				return k;
			}
		}
		return -1;
	}
	return -1;
}

int variants_set_default(struct variants *v, const char *spec)
{
	const char *eq = strchr(spec, '=');
	int which, k;

	if (eq == NULL)
		return -1;
	k = lookup(spec, (size_t)(eq - spec), eq + 1, &which);
	if (k < 0)
		return -1;
	v->start[which] = k;
	atomic_store(&v->now[which], k);
	return 0;
}

int variants_set(struct variants *v, const char *name, const char *value)
{
	int which, k = value != NULL ? lookup(name, strlen(name), value, &which) : -1;

	if (k < 0)
		return -1;
	atomic_store(&v->now[which], k);
	return 0;
}

void variants_restore(struct variants *v)
{
	for (int i = 0; i < VAR_COUNT; i++)
		atomic_store(&v->now[i], v->start[i]);
}

int variants_get(struct variants *v, enum variant_name name)
{
	return atomic_load(&v->now[name]);
}

void variants_dump(struct variants *v, struct buf *out)
{
	buf_adds(out, "{");
	for (int i = 0; i < VAR_COUNT; i++)
		buf_printf(out, "%s\"%s\":\"%s\"", i ? "," : "", table[i].name,
			   table[i].values[atomic_load(&v->now[i])]);
	buf_adds(out, "}");
}

void variants_usage(FILE *to)
{
	fputs("variants (--variant NAME=VALUE; the first value is the default):\n", to);
	for (int i = 0; i < VAR_COUNT; i++) {
		fprintf(to, "  %s=", table[i].name);
		for (int k = 0; table[i].values[k] != NULL; k++)
			fprintf(to, "%s%s", k ? "|" : "", table[i].values[k]);
		fputc('\n', to);
	}
}
