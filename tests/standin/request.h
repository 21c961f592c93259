/* SPDX-License-Identifier: BSD-3-Clause */
/* request.h: one HTTP request as the handlers see it. */
#ifndef STANDIN_REQUEST_H
#define STANDIN_REQUEST_H

#include <stdbool.h>

#include <microhttpd.h>

#include "buf.h"
#include "faults.h"
#include "standin.h"
#include "stats.h"

#define REQUEST_BODY_MAX (1024 * 1024)

struct request {
	struct standin *si;
	struct MHD_Connection *mhd;
	struct conn_info *conn;      /* may be NULL if MHD gave none */
	char *method;
	char *path;                  /* as decoded by MHD, without the query */
	char *raw_query;             /* raw, undecoded; "" when absent */
	struct buf body;
	bool body_too_big;
	bool started;
	struct fault *fault;         /* the fault applied to this request, or NULL */
};

/* A decoded query argument, or NULL (a bare "?x" gives ""). */
const char *req_arg(const struct request *rq, const char *name);
/* A request header (case-insensitive name), or NULL. */
const char *req_header(const struct request *rq, const char *name);

#endif
