/* SPDX-License-Identifier: BSD-3-Clause */
/* conv.h — talking to the user through the host's PAM conversation: several messages in one
 * call (OpenSSH needs the URL and the prompt together), PAM_SILENT, replies wiped. */
#ifndef PAM_TMDB_CONV_H
#define PAM_TMDB_CONV_H

#include <stdbool.h>

#include <security/pam_modules.h>

#define CONV_MAX_MSGS 4

struct conv_round {
	int n;
	struct pam_message msg[CONV_MAX_MSGS];
};

/* Adds a message to a round (ignored beyond CONV_MAX_MSGS). */
void conv_add(struct conv_round *r, int style, const char *text);

/* Sends the round in one conversation call. If the round has a prompt, *reply receives the
 * last prompt's answer (free with wipe_free_str; may be NULL). PAM_SUCCESS or PAM_CONV_ERR
 * (no conversation function, or it failed); PAM_BUF_ERR. */
int conv_send(pam_handle_t *pamh, const struct conv_round *r, char **reply);

/* Did the host give a conversation function? (A caller that cannot show the approval URL to
 * anyone is refused before any request is made.) */
bool conv_available(pam_handle_t *pamh);

/* One informational or error message, unless PAM_SILENT is in flags. */
int conv_say(pam_handle_t *pamh, int flags, int style, const char *text);

#endif
