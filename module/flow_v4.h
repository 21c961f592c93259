/* SPDX-License-Identifier: BSD-3-Clause */
/* flow_v4.h — the v4 login (flow=v4): a v4 request token, the user's approval of it (the same
 * prompt or poll loop as v3, approval.h), the user's access token, and its conversion into the
 * v3 session that the host is handed as in v3. The account is then read and bound by the
 * caller exactly as after a v3 login. */
#ifndef PAM_TMDB_FLOW_V4_H
#define PAM_TMDB_FLOW_V4_H

#include "credential.h"
#include "tmdb_api.h"
#include "txn.h"

/* PAM_SUCCESS with s->session_id, s->access_token and s->account_object_id set (the rest of s
 * untouched). On an error nothing is handed back, and an access token already obtained (the
 * conversion failed) has been revoked on the server. Codes: those of approval_wait and of the
 * tmdb_v4 calls. */
int flow_v4_login(struct txn *t, struct tmdb_client *api, struct tmdb_session *s);

#endif
