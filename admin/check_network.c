/* SPDX-License-Identifier: BSD-3-Clause */
/* check_network.c — one request to TMDb through the module's own client (http.c: the same
 * TLS verification, cafile/capath, proxy and bounds): v3 token/new, or v4's request_token
 * with flow=v4. It proves api_url reachable, its certificate trusted, and the key (or token)
 * accepted. The reason quoted is the module's own log line (check_capture.c). */
#include "config.h"
#include "check.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tmdb_api.h"
#include "tmdb_v4.h"
#include "wipe.h"

static bool mentions(const char *log, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strstr(log, *words) != NULL)
			return true;
	return false;
}

static void report(struct check *c, int rc, const char *log)
{
	static const char *const tls_words[] = { "SSL", "TLS", "certificate", "issuer", NULL };
	static const char *const refused_words[] = { "status 7", "status 10", "rejected", "refused the", NULL };
	const struct tmdb_options *o = &c->o;
	const char *cred = o->flow == FLOW_V4 ? "access_token" : o->api_key_file != NULL ? "api_key_file" : "api_key";
	const char *cred_file = o->flow != FLOW_V4 && o->api_key_file != NULL ? o->api_key_file : c->conf;
	char fix[PATH_MAX * 2 + 256];

	/* a trust failure is a configuration error (PAM_SERVICE_ERR) in the module; a handshake
	 * that fails otherwise is an outage (PAM_AUTHINFO_UNAVAIL): both name TLS */
	bool tls = (rc == PAM_SERVICE_ERR || rc == PAM_AUTHINFO_UNAVAIL) && mentions(log, tls_words);

	if (!tls && rc == PAM_SERVICE_ERR && mentions(log, refused_words)) {
		snprintf(fix, sizeof(fix), "put your TMDb application's %s in %s (themoviedb.org, Settings, API)",
			 o->flow == FLOW_V4 ? "API read access token" : "API key", cred_file);
		check_add(c, CHECK_ERROR, "api", cred_file, 0, cred, fix, "TMDb at %s refuses the %s: %s", o->api_url,
			  o->flow == FLOW_V4 ? "access token" : "API key", log);
	} else if (tls) {
		if (o->cafile != NULL || o->capath != NULL)
			snprintf(fix, sizeof(fix), "point cafile (or capath) at the CA that signed the certificate of %s, "
				 "or remove both to trust the system's CA store", o->api_url);
		else
			snprintf(fix, sizeof(fix), "set cafile to the CA that signed the certificate of %s", o->api_url);
		check_add(c, CHECK_ERROR, "tls", c->conf, 0, o->cafile != NULL ? "cafile" : o->capath != NULL ? "capath" : "api_url",
			  fix, "TLS with the server %s failed, trusting %s%s: %s", o->api_url,
			  o->cafile != NULL ? "cafile " : o->capath != NULL ? "capath " : "the system's CA store",
			  o->cafile != NULL ? o->cafile : o->capath != NULL ? o->capath : "", log);
	} else if (rc == PAM_AUTHINFO_UNAVAIL) {
		check_add(c, CHECK_ERROR, "network", c->conf, 0, "api_url",
			  "check api_url, the network and DNS (the only proxy used is the proxy key)",
			  "%s cannot be reached: %s", o->api_url, log);
	} else {
		check_add(c, CHECK_ERROR, "api", c->conf, 0, NULL, "see the system log", "TMDb at %s: %s", o->api_url,
			  log[0] ? log : "the request failed");
	}
}

void check_network(struct check *c)
{
	struct check_capture cap;
	struct http_client *http = NULL;
	struct tmdb_token token;
	char *v4_token = NULL, *log;
	int rc;

	if (!c->have_credential || (c->o.flow == FLOW_V4 && c->o.access_token == NULL)) {
		check_add(c, CHECK_NOTE, "api", NULL, 0, NULL, NULL, "TMDb not asked: no key to try");
		return;
	}
	/* one attempt: a check answers at once, and says what a login's first try would meet */
	c->o.retries = 0;
	if (check_capture_begin(&cap) != 0)
		return;
	rc = http_client_open(NULL, &c->o, &http);
	if (rc == PAM_SUCCESS) {
		struct tmdb_client t = { NULL, &c->o, http };
		if (c->o.flow == FLOW_V4) {
			rc = tmdb_v4_request_token(&t, &v4_token);
			wipe_free_str(v4_token);
		} else {
			rc = tmdb_new_token(&t, &token);
			if (rc == PAM_SUCCESS)
				tmdb_token_clear(&token);
		}
		http_client_close(http);
	}
	log = check_capture_end(&cap);
	if (rc != PAM_SUCCESS)
		report(c, rc, log != NULL ? log : "");
	free(log);
}
