/* SPDX-License-Identifier: BSD-3-Clause */
/* conv.h — tmdb-login's PAM conversation function. */
#ifndef TMDB_LOGIN_CONV_H
#define TMDB_LOGIN_CONV_H

#include <stdbool.h>

#include "approval_page.h"
#include "listener.h"
#include "login.h"

struct login_conv {
	const struct login_opts *o;
	struct listener *listener; /* NULL: no return address */
	char *url;                 /* the approval URL last shown */
	char *token;               /* its request token, when it could be read from it */
	bool browser_tried;        /* once per login */
	struct approval_page page; /* what the browser was given; removed after authentication */
	bool stdin_eof;            /* stdin has ended: the wait goes on without it */
	bool no_answer;            /* a prompt found no answer (end of input) */
	bool returned_denied;      /* the browser came back denied */
	bool secret_private;       /* the approval URL reached no one but the user (say_is_private):
				    * only then may a denied return end the login */
};

int login_conv(int num_msg, const struct pam_message **msg, struct pam_response **resp,
	       void *appdata);

void login_conv_free(struct login_conv *c);

/* The request token in an approval URL: the request_token query parameter (v4), else the last
 * path segment (v3's /authenticate/TOKEN). NULL when it does not look like a token. */
char *login_token_of_url(const char *url);

#endif
