/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Syslog capture. libpam's pam_syslog()/pam_vsyslog() end in libc's syslog (__syslog_chk in a
 * fortified libpam). This executable defines those symbols and is linked with --export-dynamic,
 * so the dynamic linker binds libpam's (and the modules') references to these definitions
 * instead of libc's: each message becomes a {"ev":"log"} event instead of going to /dev/log.
 * <syslog.h> is deliberately not included: with _FORTIFY_SOURCE it turns syslog() into an
 * inline wrapper that could not be redefined here.
 * Under pam_wrapper (LD_PRELOAD, --no-confdir) pam_syslog() is pam_wrapper's own, which writes
 * "PWRAP_..." lines to stderr instead; with PAM_WRAPPER_USE_SYSLOG=1 it hands the message on to
 * libpam's and the capture works again (checked with and without PAM_WRAPPER_DISABLE_DEEPBIND).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void openlog(const char *ident, int option, int facility);
void closelog(void);
void syslog(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vsyslog(int pri, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void __syslog_chk(int pri, int flag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static _Thread_local struct txn *current_txn;

void host_set_current_txn(struct txn *t)
{
	current_txn = t;
}

struct txn *host_current_txn(void)
{
	return current_txn;
}

static void capture(int pri, int saved_errno, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void capture(int pri, int saved_errno, const char *fmt, va_list ap)
{
	char *msg = NULL;
	struct txn *t = current_txn;

	errno = saved_errno;	/* for %m */
	if (!fmt || vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (t)
		t->logs++;
	if (!t || !t->quiet) {
		struct jbuf b;
		ev_begin(&b, "log");
		ev_int(&b, "prio", pri & 0x07);
		ev_int(&b, "facility", (pri & 0x03f8) >> 3);
		ev_str(&b, "msg", msg ? msg : "(unformattable)");
		ev_end(&b);
	}
	free(msg);
	errno = saved_errno;
}

void openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
}

void closelog(void)
{
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	capture(pri, errno, fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	capture(pri, e, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(pri, errno, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	(void)flag;
	va_start(ap, fmt);
	capture(pri, e, fmt, ap);
	va_end(ap);
}
