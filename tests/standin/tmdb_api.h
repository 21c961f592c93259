/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_api.h: the TMDb endpoints: routing (v3 and v4), credential check,
 * and the v3 authentication and account handlers (v4's: tmdb_v4_api.h). */
#ifndef STANDIN_TMDB_API_H
#define STANDIN_TMDB_API_H

#include <stdbool.h>

#include "reply.h"
#include "request.h"
#include "state.h"

/* Fills r for an API request (anything that is neither browser nor control). */
void tmdb_api_handle(struct request *rq, struct reply *r);

/* For the handlers (here and in tmdb_v4_api.c). */
#include <yajl/yajl_tree.h>
/* The JSON request body as an object (free with yajl_tree_free), or NULL. */
yajl_val api_parse_body(const struct request *rq);
/* A string member of a body object, or NULL. */
const char *api_body_str(yajl_val root, const char *name);
/* A 200 answer whose body the handler writes next. */
void api_ok(struct reply *r);
/* The answer once state_new_session or state_v4_convert returned rc: the new session id on
 * ST_OK, TMDb's 11 on ST_ERROR. Any other rc is a refusal, which v3 and v4 word differently:
 * returns false and leaves r to the caller. */
bool api_session_reply(struct reply *r, enum state_rc rc, const char *sid);
/* DELETE of a session or access token that is not live: TMDb's documented code (v3 6, v4 35)
 * unless the delete_unknown variant says otherwise. */
void api_delete_unknown(struct request *rq, struct reply *r, int documented);

#endif
