/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "revoke.h"

#include <syslog.h>

#include <security/pam_ext.h>

#include "http.h"
#include "tmdb_v4.h"

int revoke_credential(struct tmdb_client *api, const struct tmdb_session *s, const char *why)
{
	int rc = tmdb_delete_session(api, s->session_id);
	if (rc != PAM_SUCCESS)
		pam_syslog(api->pamh, LOG_WARNING, "%s: the session could not be deleted on the server%s", why,
			   rc == PAM_AUTH_ERR ? " (the server does not know it)" : "");
	if (rc == PAM_AUTH_ERR)
		rc = PAM_SUCCESS; /* unknown to the server: nothing is left alive */
	if (s->access_token != NULL && tmdb_v4_delete_access_token(api, s->access_token) != PAM_SUCCESS)
		pam_syslog(api->pamh, LOG_WARNING, "%s: the v4 access token could not be revoked on the server", why);
	return rc;
}

int revoke_standalone(pam_handle_t *pamh, const struct tmdb_options *o, const struct tmdb_session *s,
		      const char *why)
{
	struct tmdb_client api = { pamh, o, NULL };
	int rc = http_client_open(pamh, o, &api.http);
	if (rc != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_WARNING, "%s: the session could not be deleted on the server", why);
		return rc;
	}
	rc = revoke_credential(&api, s, why);
	http_client_close(api.http);
	return rc;
}
