/* SPDX-License-Identifier: BSD-3-Clause */
/* text.c — everything tmdb-login tells the user goes to stderr (stdout carries only the
 * session, and only when asked for). Module and server text is shown with control characters
 * replaced, so that a message cannot drive the terminal. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "login.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const char *const login_session_vars[] = {
	"TMDB_SESSION_ID", "TMDB_ACCOUNT_ID", "TMDB_ACCOUNT_USERNAME",
	"TMDB_ACCESS_TOKEN", "TMDB_ACCOUNT_OBJECT_ID", NULL
};

void say_text(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '\n' || *p == '\t' || (*p >= 0x20 && *p != 0x7f))
			fputc(*p, stderr);
		else
			fputc('?', stderr);
	}
}

void say(const char *fmt, ...)
{
	va_list ap;

	fputs("tmdb-login: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Where stderr goes decides whether the approval URL (and the return address's secret in it)
 * stays the user's: a terminal or /dev/null shows it to no one else; a pipe or a socket only to
 * the program that started us, whose end it is; a file only if no one else may read it. A
 * terminal of another user's, or a file others may read (a log in a shared directory), are the
 * cases left, and there the secret may have leaked. */
bool say_is_private(void)
{
	struct stat st;

	if (fstat(2, &st) != 0)
		return true; /* stderr closed: the URL was shown nowhere */
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return true;
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
		return true; /* /dev/null */
	return st.st_uid == getuid() && (st.st_mode & (S_IRGRP | S_IROTH)) == 0;
}
