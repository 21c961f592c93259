/* text.c — everything tmdb-login tells the user goes to stderr (stdout carries only the
 * session, and only when asked for). Module and server text is shown with control characters
 * replaced, so that a message cannot drive the terminal. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "login.h"

#include <stdarg.h>
#include <stdio.h>

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
