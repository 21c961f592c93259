/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "flow_v4.h"

#include <stdlib.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "approval.h"
#include "clock.h"
#include "tmdb_v4.h"
#include "wipe.h"

struct v4_try {
	const char *request_token;
	char **access_token;
	char **account_object_id;
};

/* One try of the approval loop: auth/access_token answers 422/41 (or 401/17 or 401/33: not
 * recorded) until the user approved. */
static int v4_try_once(struct tmdb_client *api, void *ctx, enum tmdb_approval *state)
{
	struct v4_try *v = ctx;
	return tmdb_v4_access_token(api, v->request_token, v->access_token, v->account_object_id, state);
}

/* v4's token answer has no expires_at: the token lives TMDB_V4_TOKEN_LIFE_S from its creation,
 * which came after asked_ms (taken before the request, so the estimate errs on the early
 * side). The approval ends at that or at approval_timeout from now, whichever is first. */
static long deadline_ms(const struct txn *t, long asked_ms, long *life_end_ms)
{
	long by_option = clock_now_ms() + t->opts.approval_timeout * 1000L;
	long by_life = asked_ms + TMDB_V4_TOKEN_LIFE_S * 1000L;
	*life_end_ms = by_life;
	return by_life < by_option ? by_life : by_option;
}

int flow_v4_login(struct txn *t, struct tmdb_client *api, struct tmdb_session *s)
{
	char *request_token = NULL, *access_token = NULL, *object_id = NULL, *sid = NULL, *url = NULL;
	struct v4_try v = { NULL, &access_token, &object_id };
	struct approval_wait w = { .try_once = v4_try_once, .ctx = &v };
	struct approval_host host = { t->pamh, t->flags, &t->opts,
				       t->hooks != NULL ? t->hooks->credential_pending : NULL };
	long asked = clock_now_ms();
	int rc = tmdb_v4_request_token(api, &request_token);

	if (rc == PAM_SUCCESS) {
		url = approval_url_v4(&t->opts, request_token);
		rc = url != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
	}
	if (rc == PAM_SUCCESS) {
		v.request_token = request_token;
		w.url = url;
		w.deadline_ms = deadline_ms(t, asked, &w.life_end_ms);
		rc = approval_wait(&host, api, &w);
	}
	if (rc == PAM_SUCCESS)
		rc = tmdb_v4_convert(api, access_token, &sid);
	if (rc == PAM_SUCCESS) {
		s->session_id = sid;
		s->access_token = access_token;
		s->account_object_id = object_id;
		sid = access_token = object_id = NULL;
	} else if (access_token != NULL) {
		/* approved, but no session came of it: the user's token must not stay alive */
		if (tmdb_v4_delete_access_token(api, access_token) != PAM_SUCCESS)
			pam_syslog(t->pamh, LOG_WARNING, "could not revoke the unused v4 access token on the server");
	}
	/* the URL and the request token can still be turned into an access token by whoever
	 * holds them; the access token is the user's credential */
	wipe_free_str(url);
	wipe_free_str(request_token);
	wipe_free_str(access_token);
	wipe_free_str(sid);
	free(object_id);
	return rc;
}
