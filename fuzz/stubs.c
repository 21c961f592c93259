/* SPDX-License-Identifier: BSD-3-Clause */
/* stubs.c — keeps the fuzzers quiet: the module logs through pam_syslog/pam_vsyslog, which
 * would send every rejected input to syslog. These definitions in the fuzz binaries take
 * precedence over libpam's; nothing else of libpam is replaced. The message is still
 * formatted, so a bad argument to a format is still seen by ASan; it is shown on stderr only
 * when FUZZ_SYSLOG is set in the environment (handy when replaying one input). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <security/pam_ext.h>

void pam_vsyslog(const pam_handle_t *pamh, int priority, const char *fmt, va_list args)
{
	char buf[1024];
	(void)pamh;
	(void)priority;
	vsnprintf(buf, sizeof(buf), fmt, args);
	if (getenv("FUZZ_SYSLOG") != NULL)
		fprintf(stderr, "pam_syslog(%d): %s\n", priority, buf);
}

void pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pam_vsyslog(pamh, priority, fmt, ap);
	va_end(ap);
}

/* Any UBSan report stops the run, with a stack trace. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}
