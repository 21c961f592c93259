/* SPDX-License-Identifier: BSD-3-Clause */
/* http.h — the module's only door to the network: one libcurl handle per PAM transaction
 * (one connection reused), TLS verified, no redirects, and every request bounded in time,
 * size and retries. */
#ifndef PAM_TMDB_HTTP_H
#define PAM_TMDB_HTTP_H

#include <stddef.h>

#include <security/pam_modules.h>

#include "options.h"

struct http_client;

struct http_response {
	long status;        /* HTTP status of the final attempt */
	char *body;         /* NUL-terminated; may hold secrets: http_response_clear wipes it */
	size_t len;
	char *callback;     /* the Authentication-Callback header, if any */
};

/* The transaction's client, kept in PAM module data so every entry point of the
 * transaction in this process reuses the same connection. Options are (re)applied on
 * each call. PAM_SUCCESS, PAM_BUF_ERR or PAM_SERVICE_ERR. */
int http_client_get(pam_handle_t *pamh, const struct tmdb_options *o, struct http_client **out);

/* A client of its own, outside module data: for a cleanup that runs inside pam_end (where
 * module data may no longer be touched) and for programs that are not PAM hosts (tmdbctl;
 * pamh may be NULL there). Close it with http_client_close. Same codes as http_client_get. */
int http_client_open(pam_handle_t *pamh, const struct tmdb_options *o, struct http_client **out);
void http_client_close(struct http_client *c);

/* One logical request to {api_url}{path_query}: method "GET", "POST" or "DELETE", an optional
 * JSON body. Retries after 429, 5xx and transport failures (honouring Retry-After), all
 * within `timeout` seconds. PAM_SUCCESS when a final HTTP answer arrived (any status:
 * see resp->status); PAM_AUTHINFO_UNAVAIL when none did (logged); PAM_SERVICE_ERR when the
 * TLS trust anchors cannot be loaded or do not vouch for the server (logged with the anchors
 * and the server: a configuration error, which no retry mends); PAM_BUF_ERR. */
int http_request(struct http_client *c, const char *method, const char *path_query,
		 const char *json_body, struct http_response *resp);

void http_response_clear(struct http_response *r);

/* Percent-encodes s for a query string; free with wipe_free_str. NULL on failure. */
char *http_escape(struct http_client *c, const char *s);

#endif
