/* approval.h — step 2: show the user the approval URL and wait until TMDb turns the
 * request token into a session (prompt mode: Enter presses; poll mode: a monotonic clock). */
#ifndef PAM_TMDB_APPROVAL_H
#define PAM_TMDB_APPROVAL_H

#include "tmdb_api.h"
#include "txn.h"

/* The URL the user opens: the server's Authentication-Callback when it is a clean URL,
 * else approve_url + token; with redirect_to, "?redirect_to=<percent-encoded>" (or "&...").
 * A fresh string (free()), NULL when out of memory. *used_header tells which was used. */
char *approval_url(struct http_client *http, const struct tmdb_options *o,
		   const struct tmdb_token *token, bool *used_header);

/* Runs the approval. PAM_SUCCESS with *session_id set; PAM_MAXTRIES (prompt mode: all
 * Enter presses spent), PAM_AUTH_ERR (denied, timed out, token expired), PAM_CONV_ERR,
 * and the codes of tmdb_new_session. */
int approval_run(struct txn *t, struct tmdb_client *api, const struct tmdb_token *token, char **session_id);

#endif
