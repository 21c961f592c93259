/* tmdb_api.h: the TMDb v3 endpoints (/3/...): routing, API-key check,
 * and the authentication and account handlers. */
#ifndef STANDIN_TMDB_API_H
#define STANDIN_TMDB_API_H

#include "reply.h"
#include "request.h"

/* Fills r for an API request (anything that is neither browser nor control). */
void tmdb_api_handle(struct request *rq, struct reply *r);

#endif
