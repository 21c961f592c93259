/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "scope_first.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "safe_file.h"
#include "wipe.h"

#define MINIMUM_UID_MAX 4294967294L /* as options.c's table */

/* "N" with nothing else: a decimal from 0 to MINIMUM_UID_MAX. */
static bool parse_uid(const char *v, size_t n, long *out)
{
	long x = 0;
	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (v[i] - '0');
	}
	if (x > MINIMUM_UID_MAX)
		return false;
	*out = x;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line (without its newline): "minimum_uid = N", blanks and a trailing comment allowed. */
static bool scan_line(const char *p, size_t n, long *out)
{
	static const char key[] = "minimum_uid";
	const char *hash = memchr(p, '#', n);
	const char *end;
	if (hash != NULL)
		n = (size_t)(hash - p);
	end = p + n;
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if ((size_t)(end - p) <= sizeof(key) - 1 || memcmp(p, key, sizeof(key) - 1) != 0)
		return false;
	p += sizeof(key) - 1;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != '=')
		return false;
	p++;
	while (p < end && is_blank(*p))
		p++;
	if (p < end && *p == '+')
		p++; /* strtol's sign, which the parser takes */
	return parse_uid(p, (size_t)(end - p), out);
}

long scope_first_scan(const char *text, size_t len, long fallback)
{
	const char *p = text, *end = text + len;
	long found = fallback;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		long v;
		if (memchr(p, '\0', n) == NULL && scan_line(p, n, &v))
			found = v;
		p += n + 1;
	}
	return found;
}

long scope_first_minimum_uid(int argc, const char **argv)
{
	const char *conf = TMDB_DEFAULT_CONF;
	char *text = NULL;
	size_t len = 0;
	const char *why = NULL;
	long from_args = -1, v;

	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0 && argv[i][5] == '/')
			conf = argv[i] + 5;
		else if (strncmp(argv[i], "minimum_uid=", 12) == 0 && parse_uid(argv[i] + 12, strlen(argv[i] + 12), &v))
			from_args = v; /* the last one wins, as in options.c */
	}
	if (from_args >= 0)
		return from_args;
	/* the same checks as the full load: a file anyone may write decides nothing */
	if (safe_read_file(conf, TMDB_CONF_MAX_BYTES, &text, &len, NULL, &why) != 0)
		return TMDB_DEFAULT_MINIMUM_UID;
	v = scope_first_scan(text, len, TMDB_DEFAULT_MINIMUM_UID);
	wipe_free(text, len);
	return v;
}

bool scope_first_debug(int argc, const char **argv)
{
	static const char *const yes[] = { "debug", "debug=yes", "debug=true", "debug=on", "debug=1" };
	bool debug = false;
	for (int i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			continue;
		if (strncmp(argv[i], "debug=", 6) == 0)
			debug = false; /* a later argument wins, as in the parser */
		for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++)
			if (strcmp(argv[i], yes[k]) == 0)
				debug = true;
	}
	return debug;
}
