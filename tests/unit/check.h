/* SPDX-License-Identifier: BSD-3-Clause */
/* check.h — the unit tests' assertions: TAP lines on stdout, the exit status counts failures. */
#ifndef PAM_TMDB_CHECK_H
#define PAM_TMDB_CHECK_H

#include <stdio.h>

static int check_n, check_failed;

#define CHECK(cond, ...)                                                            \
	do {                                                                        \
		check_n++;                                                          \
		if (cond) {                                                         \
			printf("ok %d - ", check_n);                                \
		} else {                                                            \
			check_failed++;                                             \
			printf("not ok %d - %s:%d: (%s) ", check_n, __FILE__, __LINE__, #cond); \
		}                                                                   \
		printf(__VA_ARGS__);                                                \
		printf("\n");                                                       \
	} while (0)

#define CHECK_DONE()                                         \
	do {                                                 \
		printf("1..%d\n", check_n);                  \
		return check_failed == 0 ? 0 : 1;           \
	} while (0)

#endif
