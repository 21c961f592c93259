/* SPDX-License-Identifier: BSD-3-Clause */
/* url_line.c — see url_line.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "url_line.h"

#include <string.h>

bool url_line(const char *s, size_t n)
{
	size_t p;

	if (n > 8 && strncmp(s, "https://", 8) == 0)
		p = 8;
	else if (n > 7 && strncmp(s, "http://", 7) == 0)
		p = 7;
	else
		return false;
	for (; p < n; p++)
		if ((unsigned char)s[p] <= 0x20 || (unsigned char)s[p] == 0x7f)
			return false;
	return true;
}
