/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "userlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "text.h"

#define USERLOG_VALUE_MAX 64 /* bytes of each of user, service, rhost */
#define USERLOG_LINE_MAX 1024

static void item_text(pam_handle_t *pamh, int item, char *dst, size_t cap)
{
	const void *v = NULL;
	dst[0] = '\0';
	if (pamh != NULL && pam_get_item(pamh, item, &v) == PAM_SUCCESS && v != NULL)
		text_sanitize(dst, cap, v, strlen(v));
}

void userlog(pam_handle_t *pamh, int prio, const char *user, const char *fmt, ...)
{
	char line[USERLOG_LINE_MAX];
	char who[USERLOG_VALUE_MAX + 1], service[USERLOG_VALUE_MAX + 1], rhost[USERLOG_VALUE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (user != NULL)
		text_sanitize(who, sizeof(who), user, strlen(user));
	else
		item_text(pamh, PAM_USER, who, sizeof(who));
	item_text(pamh, PAM_SERVICE, service, sizeof(service));
	item_text(pamh, PAM_RHOST, rhost, sizeof(rhost));
	pam_syslog(pamh, prio, "%s; user=%s service=%s%s%s", line, who, service, rhost[0] ? " rhost=" : "", rhost);
}
