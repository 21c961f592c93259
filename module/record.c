/* SPDX-License-Identifier: BSD-3-Clause */
/* record.c — reading the line format of cache.c and journal.c (see record.h); each checks
 * its own magic and values. */
#include "config.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "wipe.h"

char *record_split(const char *buf, size_t len, size_t max, const char *const *keys, int n, const char **magic,
		   char **values, int *count)
{
	char *copy, *line, *next;
	int i = 0;

	if (len == 0 || len > max || memchr(buf, '\0', len) != NULL || buf[len - 1] != '\n')
		return NULL;
	copy = malloc(len + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	next = strchr(copy, '\n');
	*next++ = '\0';
	for (line = next; *line != '\0'; line = next, i++) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (i >= n || strncmp(line, keys[i], strlen(keys[i])) != 0) {
			wipe_free(copy, len + 1);
			return NULL;
		}
		values[i] = line + strlen(keys[i]);
	}
	*magic = copy;
	*count = i;
	return copy;
}

bool record_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}
