/* SPDX-License-Identifier: BSD-3-Clause */
/* The host's return address (TMDB_RETURN_TO): taken out of the PAM environment, checked to be
 * loopback http and nothing else, and handed to the options as this login's redirect_to. */
#include "config.h"
#include "return_to.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "text.h"

#define LOG_VALUE_MAX 80 /* bytes of a refused value shown in the log */

static const char *const loopback[] = { "http://127.0.0.1:", "http://[::1]:" };

/* Characters a path may hold: unreserved URL characters and '/'. No '%' (an encoded '?' or
 * '#' would be decoded by the listener), no query, no fragment, no spaces or controls. */
static bool is_path_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '~' || c == '/' || c == '-';
}

bool return_to_check(const char *value, long *port, const char **why)
{
	const char *p = NULL;
	long n = 0;
	size_t digits = 0;

	if (value[0] == '\0') {
		*why = "empty";
		return false;
	}
	if (strnlen(value, RETURN_TO_MAX + 1) > RETURN_TO_MAX) {
		*why = "longer than 256 bytes";
		return false;
	}
	/* compared byte for byte: no other spelling of loopback (localhost, 127.0.0.2, 0x7f.1,
	 * [::ffff:127.0.0.1]) and no userinfo, since none of them starts with these prefixes */
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]) && p == NULL; i++)
		if (strncmp(value, loopback[i], strlen(loopback[i])) == 0)
			p = value + strlen(loopback[i]);
	if (p == NULL) {
		*why = "not http://127.0.0.1:PORT or http://[::1]:PORT";
		return false;
	}
	while (p[digits] >= '0' && p[digits] <= '9' && digits < 6)
		n = n * 10 + (p[digits++] - '0');
	if (digits == 0 || p[0] == '0' || n > 65535) {
		*why = "the port is not a number from 1 to 65535 without leading zeros";
		return false;
	}
	p += digits;
	if (p[0] != '\0' && p[0] != '/') {
		*why = "only a path may follow the port";
		return false;
	}
	for (; *p != '\0'; p++) {
		if (!is_path_char(*p)) {
			*why = "the path holds a character other than A-Z a-z 0-9 . _ ~ / -";
			return false;
		}
	}
	*port = n;
	return true;
}

int return_to_take(struct pam_handle *pamh, char **value)
{
	const char *v = pam_getenv(pamh, TMDB_RETURN_TO_ENV);
	int rc = PAM_SUCCESS;

	*value = NULL;
	if (v == NULL)
		return PAM_SUCCESS;
	*value = strdup(v);
	if (*value == NULL)
		rc = PAM_BUF_ERR;
	/* a request to the module, never part of the user's session environment; the name alone
	 * deletes it (and frees v) */
	if (pam_putenv(pamh, TMDB_RETURN_TO_ENV) != PAM_SUCCESS)
		pam_syslog(pamh, LOG_WARNING, "cannot remove " TMDB_RETURN_TO_ENV " from the PAM environment");
	return rc;
}

int return_to_accept(struct pam_handle *pamh, bool allowed, char *value, char **address)
{
	char shown[LOG_VALUE_MAX + 1];
	const char *why = NULL;
	long port = 0;

	*address = NULL;
	if (value == NULL)
		return PAM_SUCCESS;
	if (!allowed) {
		pam_syslog(pamh, LOG_NOTICE, "the host gave a return address (" TMDB_RETURN_TO_ENV
			   ") but allow_return_to is off: ignored");
		free(value);
		return PAM_SUCCESS;
	}
	if (!return_to_check(value, &port, &why)) {
		text_sanitize(shown, sizeof(shown), value, strlen(value));
		pam_syslog(pamh, LOG_ERR, TMDB_RETURN_TO_ENV " refused: %s: \"%s\"", why, shown);
		free(value);
		return PAM_SERVICE_ERR;
	}
	pam_syslog(pamh, LOG_INFO, "return address in use for this login: loopback port %ld", port);
	*address = value;
	return PAM_SUCCESS;
}
