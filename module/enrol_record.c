/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "enrol_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

/* Bytes a name keeps as they are: printable ASCII but space, '#' and '\'. */
static bool kept(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '#' && c != '\\';
}

void enrol_escape_name(const char *raw, size_t len, char out[ENROL_NAME_MAX + 1])
{
	size_t o = 0, n = len > ENROL_NAME_KEPT ? ENROL_NAME_KEPT : len;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (kept(c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (len > n || o == 0) {
		/* cut (or empty: a line always has a name) */
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* An escaped name as enrol_escape_name writes it. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > ENROL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\') {
			if (i + 3 >= n || s[i + 1] != 'x' || !is_hex(s[i + 2]) || !is_hex(s[i + 3]))
				return false;
			i += 3;
		} else if (!kept((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* "#" then a positive decimal without a leading zero, at most ENROL_ID_DIGITS digits. */
static bool id_ok(const char *s, size_t n, long long *id)
{
	long long v = 0;
	if (n < 2 || n > 1 + ENROL_ID_DIGITS || s[0] != '#' || s[1] == '0')
		return false;
	for (size_t i = 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0'); /* 18 digits fit a long long */
	}
	*id = v;
	return true;
}

int enrol_record_parse(const char *text, size_t len, struct enrol_record *r)
{
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	if (len > ENROL_RECORD_MAX_BYTES || (len > 0 && text[len - 1] != '\n'))
		return -1;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos), *sp;
		size_t n = (size_t)(nl - line);
		long long id = 0;

		sp = memchr(line, ' ', n);
		if (r->n >= ENROL_MAX_ACCOUNTS || sp == NULL || !id_ok(line, (size_t)(sp - line), &id) ||
		    !name_ok(sp + 1, (size_t)(nl - sp - 1)) || enrol_record_has(r, id)) {
			memset(r, 0, sizeof(*r));
			return -1;
		}
		r->a[r->n].id = id;
		memcpy(r->a[r->n].name, sp + 1, (size_t)(nl - sp - 1));
		r->a[r->n].name[nl - sp - 1] = '\0';
		r->n++;
		pos += n + 1;
	}
	return 0;
}

size_t enrol_record_format(const struct enrol_record *r, char *out, size_t cap)
{
	size_t o = 0;
	if (cap > 0)
		out[0] = '\0';
	for (size_t i = 0; i < r->n && i < ENROL_MAX_ACCOUNTS; i++) {
		int k = snprintf(out + o, cap - o, "#%lld %s\n", r->a[i].id, r->a[i].name);
		if (k < 0 || (size_t)k >= cap - o)
			break;
		o += (size_t)k;
	}
	return o;
}

bool enrol_record_has(const struct enrol_record *r, long long id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->a[i].id == id)
			return true;
	return false;
}

int enrol_record_add(struct enrol_record *r, long long id, const char *raw_name, size_t name_len)
{
	if (id <= 0 || id > 999999999999999999LL)
		return -1;
	if (enrol_record_has(r, id))
		return 1;
	if (r->n >= ENROL_MAX_ACCOUNTS)
		return -1;
	r->a[r->n].id = id;
	enrol_escape_name(raw_name, name_len, r->a[r->n].name);
	r->n++;
	return 0;
}

bool enrol_user_name_ok(const char *user)
{
	size_t n = strnlen(user, ENROL_USER_MAX + 1);
	if (n == 0 || n > ENROL_USER_MAX || user[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)user[i] <= 0x20 || (unsigned char)user[i] >= 0x7f || user[i] == '/')
			return false;
	return true;
}
