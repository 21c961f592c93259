/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "refusal.h"

#include <stdio.h>
#include <string.h>

#include "conv.h"
#include "text.h"

#define MSG_NOT_APPROVED "Not signed in: the login was not approved in the browser (or it was denied)."
#define MSG_UNREACHABLE "Not signed in: TMDb cannot be reached right now. Try again later."
#define MSG_CONFIG "Not signed in: pam_tmdb is not configured correctly; see the system log."

void refusal_tell(pam_handle_t *pamh, int flags, int rc, const char *user, const char *refused_as)
{
	char msg[2 * TEXT_SHOW_MAX + 128];
	char account[TEXT_SHOW_MAX + 1], local[TEXT_SHOW_MAX + 1];

	switch (rc) {
	case PAM_AUTH_ERR:
	case PAM_MAXTRIES:
		if (refused_as == NULL) {
			conv_say(pamh, flags, PAM_ERROR_MSG, MSG_NOT_APPROVED);
			return;
		}
		text_sanitize(account, sizeof(account), refused_as, strlen(refused_as));
		text_sanitize(local, sizeof(local), user, strlen(user));
		snprintf(msg, sizeof(msg), "Not signed in: this login was approved as TMDb account \"%s\", "
			 "which may not sign in as \"%s\".", account, local);
		conv_say(pamh, flags, PAM_ERROR_MSG, msg);
		return;
	case PAM_AUTHINFO_UNAVAIL:
		conv_say(pamh, flags, PAM_ERROR_MSG, MSG_UNREACHABLE);
		return;
	case PAM_SERVICE_ERR:
		conv_say(pamh, flags, PAM_ERROR_MSG, MSG_CONFIG);
		return;
	default:
		return;
	}
}
