/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "greeter.h"

#include <string.h>

/* byte-wise, never the locale's classes */
static bool digits(const char *s, const char *end)
{
	if (s == end)
		return false;
	for (; s < end; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == ':';
}

bool greeter_display_name(const char *text)
{
	const char *colon, *dot, *end;
	if (text == NULL)
		return false;
	/* a terminal is "/dev/tty1", "tty1", "pts/0" or sshd's "ssh": never a colon. The host
	 * part may be a name or an IPv4 address; the last colon starts the display number. */
	colon = strrchr(text, ':');
	if (colon == NULL)
		return false;
	for (const char *p = text; p < colon; p++)
		if (!host_char(*p))
			return false;
	end = colon + strlen(colon);
	dot = strchr(colon + 1, '.');
	if (dot == NULL)
		return digits(colon + 1, end);
	return digits(colon + 1, dot) && digits(dot + 1, end);
}

bool greeter_host(pam_handle_t *pamh, const char **why)
{
	const void *item = NULL;
#ifdef PAM_XDISPLAY
	if (pam_get_item(pamh, PAM_XDISPLAY, &item) == PAM_SUCCESS && item != NULL &&
	    ((const char *)item)[0] != '\0') {
		*why = "PAM_XDISPLAY is set";
		return true;
	}
#endif
	item = NULL;
	if (pam_get_item(pamh, PAM_TTY, &item) == PAM_SUCCESS && greeter_display_name(item)) {
		*why = "PAM_TTY is an X display";
		return true;
	}
	return false;
}
