/* SPDX-License-Identifier: BSD-3-Clause */
/* reply.h: framing. A handler fills a struct reply; reply_send turns it
 * into a TMDb-looking chunked response and applies the request's fault
 * modifiers (headers, trickle, truncation, endless body). */
#ifndef STANDIN_REPLY_H
#define STANDIN_REPLY_H

#include <microhttpd.h>

#include "buf.h"
#include "request.h"

#define REPLY_MAX_HEADERS 8

struct reply {
	unsigned status;
	struct buf body;
	char *content_type;            /* NULL: application/json; charset=utf-8 */
	struct {
		char *name;
		char *value;
	} headers[REPLY_MAX_HEADERS];
	size_t nheaders;
};

void reply_init(struct reply *r, unsigned status);
void reply_free(struct reply *r);
void reply_header(struct reply *r, const char *name, const char *value);
void reply_content_type(struct reply *r, const char *type);
/* Replaces the reply by TMDb's error body for code, with its HTTP status. */
void reply_tmdb_error(struct reply *r, int code);
/* Same with an explicit HTTP status. */
void reply_tmdb_error_http(struct reply *r, unsigned http, int code);
/* Replaces the reply by a small JSON control-API error. */
void reply_control_error(struct reply *r, unsigned http, const char *message);

/* Queues the response on the request's connection; frees r's contents. */
enum MHD_Result reply_send(struct request *rq, struct reply *r);

#endif
