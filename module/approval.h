/* SPDX-License-Identifier: BSD-3-Clause */
/* approval.h — step 2: show the user the approval URL and wait until TMDb turns the
 * request token into a credential (prompt mode: Enter presses; poll mode: a monotonic clock).
 * The waiting is the same for both flows; only the URL, the deadline and the one try differ:
 * v3 asks session/new (approval_run), v4 asks auth/access_token (flow_v4.c). */
#ifndef PAM_TMDB_APPROVAL_H
#define PAM_TMDB_APPROVAL_H

#include <security/pam_modules.h>

#include "options.h"
#include "tmdb_api.h"

/* Whom the approval speaks to (the PAM handle and the entry point's flags) and under which
 * options: all it needs of the transaction. */
struct approval_host {
	pam_handle_t *pamh;
	int flags;
	const struct tmdb_options *opts;
	/* NULL, or told around each try (txn.h struct txn_hooks, credential_pending) */
	void (*pending)(bool pending);
};

/* The longest approval URL shown, in bytes. With the introduction and the prompt, one
 * conversation call then stays well under the 1024 bytes LightDM forwards to its greeter
 * (greeter.h); a real TMDb URL is 80 bytes, and redirect_to adds its escaped length. */
#define APPROVAL_URL_MAX 512

/* The URL the user opens: the server's Authentication-Callback when it is a clean URL
 * that, with redirect_to, fits APPROVAL_URL_MAX,
 * else approve_url + token; with redirect_to, "?redirect_to=<percent-encoded>" (or "&...").
 * A fresh string (free()), NULL when out of memory. *used_header tells which was used. */
char *approval_url(struct http_client *http, const struct tmdb_options *o,
		   const struct tmdb_token *token, bool *used_header);

/* The v4 approval page: approve_url_v4 followed by the request token (checked by the caller
 * to hold only URL-safe characters). redirect_to is not added: v4 takes it in the request
 * token's body. A fresh string (free()), NULL when out of memory. */
char *approval_url_v4(const struct tmdb_options *o, const char *request_token);

/* One try at turning the approved token into a credential (ctx: the flow's own). PAM_SUCCESS
 * with *state set when TMDb answered about the token; else the error of the request. */
typedef int (*approval_try_fn)(struct tmdb_client *api, void *ctx, enum tmdb_approval *state);

struct approval_wait {
	const char *url;         /* shown to the user (it holds the request token) */
	long deadline_ms;        /* on clock_now_ms(): approval_timeout or the token's life */
	long life_end_ms;        /* on clock_now_ms(): the end of the request token's own life;
				  * before it TMDB_TOKEN_EXPIRED (33) means "not approved yet" */
	approval_try_fn try_once;
	void *ctx;
};

/* Shows the URL (with the QR code, unless the host is a graphical greeter: greeter.h) and
 * tries until approved: prompt or poll mode, or, when
 * redirect_to is the host's return address (return_to_in_use, return_to.h), the host's
 * prompt whatever approval says, paced tries until the deadline, and TMDB_RETURN_DENIED ending
 * it at once. PAM_SUCCESS: a try said TMDB_APPROVED; PAM_MAXTRIES (prompt mode: all Enter
 * presses spent), PAM_AUTH_ERR (denied, timed out, token expired), PAM_CONV_ERR, PAM_BUF_ERR,
 * PAM_SERVICE_ERR (a URL longer than APPROVAL_URL_MAX: approve_url or redirect_to too long),
 * and the errors of try_once. */
int approval_wait(const struct approval_host *h, struct tmdb_client *api, const struct approval_wait *w);

/* The approval deadline: approval_timeout from now, and never past a token life that ends
 * life_left_s seconds from now (life_left_s <= 0: the clocks disagree; approval_timeout
 * alone, with a warning). *life_end_ms: that end of life (the deadline when not known). */
long approval_deadline(const struct approval_host *h, long life_left_s, long *life_end_ms);

/* The v3 approval of token. PAM_SUCCESS with *session_id set; the codes of approval_wait and
 * of tmdb_new_session. */
int approval_run(const struct approval_host *h, struct tmdb_client *api, const struct tmdb_token *token, char **session_id);

#endif
