/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_user_map.c — the user_map file through user_map_lookup.
 *
 * Input format: the first line (up to the first '\n', which is not part of it) is the PAM
 * user name; the rest is the map file. Without a '\n' the whole input is the user and the
 * map is empty.
 *
 * Checked: the result is -1, 0 or 1; *tmdb_name is set exactly on 0, non-empty, and holds
 * no blank, NUL or line break, and starts with '#' only as an account id; and the answer equals
 * that of a small independent model of the documented format (lines "localuser tmdbusername"
 * or "localuser #id", a field starting with '#' starts a comment except the second, blank
 * lines skipped, any other line malformed; the first line for the user wins). */
#include "config.h"

#include "binding.h"
#include "fuzz_util.h"

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_id(const char *t, size_t n)
{
	if (n < 2 || n > 19 || t[0] != '#' || t[1] == '0')
		return false;
	for (size_t i = 1; i < n; i++)
		if (t[i] < '0' || t[i] > '9')
			return false;
	return true;
}

/* The model: -1, 0 with *out (a pointer into text, *out_len bytes), or 1. */
static int model(const char *text, size_t len, const char *user, const char **out, size_t *out_len)
{
	size_t i = 0;
	if (memchr(text, '\0', len) != NULL)
		return -1;
	while (i <= len) {
		size_t eol = i;
		const char *tok[2];
		size_t tlen[2], ntok = 0, j;
		bool bad = false;
		while (eol < len && text[eol] != '\n')
			eol++;
		for (j = i; j < eol;) {
			while (j < eol && is_sep(text[j]))
				j++;
			if (j >= eol)
				break;
			size_t start = j;
			while (j < eol && !is_sep(text[j]))
				j++;
			if (text[start] == '#' && ntok != 1)
				break; /* a comment line, or a comment after the two fields */
			if (ntok == 2) {
				bad = true;
				break;
			}
			tok[ntok] = text + start;
			tlen[ntok] = j - start;
			ntok++;
		}
		if (bad || ntok == 1 || (ntok == 2 && tok[1][0] == '#' && !is_id(tok[1], tlen[1])))
			return -1;
		if (ntok == 2 && strlen(user) == tlen[0] && memcmp(user, tok[0], tlen[0]) == 0) {
			*out = tok[1];
			*out_len = tlen[1];
			return 0;
		}
		i = eol + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ulen = nl ? (size_t)(nl - data) : size;
	size_t mlen = nl ? size - ulen - 1 : 0;
	char *user, *map, *name = (char *)"unset";
	const char *want = NULL;
	size_t want_len = 0;
	int rc, mrc;

	/* a PAM user name is a C string: it ends at its first NUL */
	user = fuzz_strndup(data, ulen);
	map = fuzz_copy(nl ? nl + 1 : data, mlen);
	rc = user_map_lookup(map, mlen, user, &name);
	FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1, "rc %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(name != NULL && name[0] != '\0' && strcspn(name, " \t\r\n") == strlen(name) &&
			   (name[0] != '#' || is_id(name, strlen(name))),
			   "tmdb name \"%s\"", name ? name : "(null)");
	} else {
		FUZZ_CHECK(name == NULL, "a name with rc %d", rc);
	}
	mrc = model(map, mlen, user, &want, &want_len);
	FUZZ_CHECK(rc == mrc, "user_map_lookup says %d, the format says %d", rc, mrc);
	if (rc == 0)
		FUZZ_CHECK(strlen(name) == want_len && memcmp(name, want, want_len) == 0, "name \"%s\" differs", name);
	free(name);
	free(map);
	free(user);
	return 0;
}
