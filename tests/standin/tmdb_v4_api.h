/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_v4_api.h: TMDb's v4 user authentication (/4/auth/request_token,
 * /4/auth/access_token POST and DELETE) and the v3 endpoint that turns a v4
 * user access token into a session (/3/authentication/session/convert/4).
 * Routed by tmdb_api.c, which checks the path, the credential (bearer only
 * for /4/) and the method first. */
#ifndef STANDIN_TMDB_V4_API_H
#define STANDIN_TMDB_V4_API_H

#include "reply.h"
#include "request.h"

void tmdb_v4_request_token(struct request *rq, struct reply *r);
void tmdb_v4_access_token(struct request *rq, struct reply *r);
void tmdb_v4_convert(struct request *rq, struct reply *r);

#endif
