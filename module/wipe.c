/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "wipe.h"

#include <stdlib.h>
#include <string.h>

void wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
#endif
}

void wipe_free_str(char *s)
{
	if (s == NULL)
		return;
	wipe(s, strlen(s));
	free(s);
}

void wipe_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	wipe(p, n);
	free(p);
}
