/* SPDX-License-Identifier: BSD-3-Clause */
/* control.c: /_standin/ endpoints. Mutations are POST, reads are GET;
 * every argument is a query parameter. Answers are JSON. */
#include "config.h"

#include "control.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define PREFIX "/_standin/"

bool control_path(const char *path)
{
	return strncmp(path, PREFIX, strlen(PREFIX)) == 0;
}

static void ok(struct reply *r)
{
	r->status = MHD_HTTP_OK;
	r->body.len = 0;
	buf_adds(&r->body, "{\"success\":true");
}

struct fault_args {
	struct fault *f;
	char err[160];
};

static enum MHD_Result fault_arg(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct fault_args *fa = cls;

	(void)kind;
	if (fa->err[0] != '\0')
		return MHD_NO;
	if (fault_set(fa->f, key, value) != 0) {
		snprintf(fa->err, sizeof(fa->err), "bad fault option: %s", key);
		return MHD_NO;
	}
	return MHD_YES;
}

static void c_fault(struct request *rq, struct reply *r)
{
	struct fault_args fa;
	size_t n;

	fa.f = xmalloc(sizeof(*fa.f));
	fault_init(fa.f);
	fa.err[0] = '\0';
	MHD_get_connection_values(rq->mhd, MHD_GET_ARGUMENT_KIND, fault_arg, &fa);
	if (fa.err[0] == '\0' && fa.f->path == NULL)
		snprintf(fa.err, sizeof(fa.err), "path is required");
	if (fa.err[0] != '\0') {
		reply_control_error(r, MHD_HTTP_BAD_REQUEST, fa.err);
		fault_free(fa.f);
		return;
	}
	n = faults_add(&rq->si->faults, fa.f);
	ok(r);
	buf_printf(&r->body, ",\"queued\":%zu}", n);
}

static void c_reset(struct request *rq, struct reply *r)
{
	faults_clear(&rq->si->faults);
	stats_reset(&rq->si->stats);
	state_restore_config(&rq->si->state);
	variants_restore(&rq->si->variants);
	ok(r);
	buf_adds(&r->body, "}");
}

static void c_revoke(struct request *rq, struct reply *r)
{
	const char *sid = req_arg(rq, "session_id");
	bool all = false;

	if (req_arg(rq, "all") != NULL && parse_flag(req_arg(rq, "all"), &all) != 0) {
		reply_control_error(r, MHD_HTTP_BAD_REQUEST, "bad value for all");
		return;
	}
	if (all) {
		size_t n = state_revoke_all(&rq->si->state);

		ok(r);
		buf_printf(&r->body, ",\"revoked\":%zu}", n);
	} else if (sid == NULL) {
		reply_control_error(r, MHD_HTTP_BAD_REQUEST, "session_id or all=1 is required");
	} else if (state_revoke(&rq->si->state, sid) == ST_OK) {
		ok(r);
		buf_adds(&r->body, ",\"revoked\":1}");
	} else {
		reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such live session");
	}
}

static void c_approve(struct request *rq, struct reply *r)
{
	switch (state_approve(&rq->si->state, req_arg(rq, "token"), req_arg(rq, "user"))) {
	case ST_OK:
		ok(r);
		buf_adds(&r->body, "}");
		break;
	case ST_NO_USER:
		reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such user");
		break;
	default:
		reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such pending token");
		break;
	}
}

static void c_deny(struct request *rq, struct reply *r)
{
	if (state_deny(&rq->si->state, req_arg(rq, "token")) == ST_OK) {
		ok(r);
		buf_adds(&r->body, "}");
	} else {
		reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such pending token");
	}
}

static void c_expire(struct request *rq, struct reply *r)
{
	if (state_expire(&rq->si->state, req_arg(rq, "token")) == ST_OK) {
		ok(r);
		buf_adds(&r->body, "}");
	} else {
		reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such token");
	}
}

static void c_session(struct request *rq, struct reply *r)
{
	char sid[SESSION_HEX + 1];

	switch (state_session_for(&rq->si->state, req_arg(rq, "user"), sid)) {
	case ST_OK:
		ok(r);
		buf_printf(&r->body, ",\"session_id\":\"%s\"}", sid);
		break;
	case ST_NO_USER:
		reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such user");
		break;
	default:
		reply_control_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot create session");
		break;
	}
}

static void c_config(struct request *rq, struct reply *r)
{
	const char *ttl_s = req_arg(rq, "token_ttl");
	const char *v4_ttl_s = req_arg(rq, "v4_token_ttl");
	long ttl = -1, v4_ttl = -1;

	if (ttl_s != NULL && parse_long(ttl_s, 0, INT_MAX, &ttl) != 0) {
		reply_control_error(r, MHD_HTTP_BAD_REQUEST, "bad token_ttl");
		return;
	}
	if (v4_ttl_s != NULL && parse_long(v4_ttl_s, 0, INT_MAX, &v4_ttl) != 0) {
		reply_control_error(r, MHD_HTTP_BAD_REQUEST, "bad v4_token_ttl");
		return;
	}
	if (state_configure(&rq->si->state, ttl, v4_ttl, req_arg(rq, "auto_approve")) != ST_OK) {
		reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such user");
		return;
	}
	ok(r);
	buf_adds(&r->body, "}");
}

struct variant_args {
	struct variants *v;
	char err[160];
};

static enum MHD_Result variant_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct variant_args *va = cls;

	(void)kind;
	if (va->err[0] != '\0')
		return MHD_NO;
	if (variants_set(va->v, key, value) != 0) {
		snprintf(va->err, sizeof(va->err), "unknown variant or value: %s", key);
		return MHD_NO;
	}
	return MHD_YES;
}

/* Sets each NAME=VALUE of the query in turn; the first bad one stops (those before it stay
 * set) and answers 400. Answers the variants now in force. */
static void c_variant(struct request *rq, struct reply *r)
{
	struct variant_args va = { &rq->si->variants, "" };

	MHD_get_connection_values(rq->mhd, MHD_GET_ARGUMENT_KIND, variant_arg, &va);
	if (va.err[0] != '\0') {
		reply_control_error(r, MHD_HTTP_BAD_REQUEST, va.err);
		return;
	}
	ok(r);
	buf_adds(&r->body, ",\"variants\":");
	variants_dump(&rq->si->variants, &r->body);
	buf_adds(&r->body, "}");
}

static void g_variants(struct request *rq, struct reply *r)
{
	r->status = MHD_HTTP_OK;
	variants_dump(&rq->si->variants, &r->body);
}

static void g_stats(struct request *rq, struct reply *r)
{
	r->status = MHD_HTTP_OK;
	stats_dump(&rq->si->stats, &r->body);
}

static void g_requests(struct request *rq, struct reply *r)
{
	r->status = MHD_HTTP_OK;
	stats_dump_log(&rq->si->stats, &r->body);
}

static void g_tokens(struct request *rq, struct reply *r)
{
	r->status = MHD_HTTP_OK;
	state_dump_tokens(&rq->si->state, &r->body);
}

static void g_sessions(struct request *rq, struct reply *r)
{
	r->status = MHD_HTTP_OK;
	state_dump_sessions(&rq->si->state, &r->body);
}

static void g_access_tokens(struct request *rq, struct reply *r)
{
	r->status = MHD_HTTP_OK;
	state_dump_access_tokens(&rq->si->state, &r->body);
}

static void g_live(struct request *rq, struct reply *r)
{
	r->status = MHD_HTTP_OK;
	state_dump_live(&rq->si->state, &r->body);
}

static const struct {
	const char *name;
	const char *method;
	void (*fn)(struct request *, struct reply *);
} endpoints[] = {
	{ "fault", "POST", c_fault },
	{ "reset", "POST", c_reset },
	{ "revoke", "POST", c_revoke },
	{ "approve", "POST", c_approve },
	{ "deny", "POST", c_deny },
	{ "expire", "POST", c_expire },
	{ "session", "POST", c_session },
	{ "config", "POST", c_config },
	{ "variant", "POST", c_variant },
	{ "variants", "GET", g_variants },
	{ "stats", "GET", g_stats },
	{ "requests", "GET", g_requests },
	{ "tokens", "GET", g_tokens },
	{ "sessions", "GET", g_sessions },
	{ "access_tokens", "GET", g_access_tokens },
	{ "live", "GET", g_live },
};

void control_handle(struct request *rq, struct reply *r)
{
	const char *name = rq->path + strlen(PREFIX);
	size_t i;

	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		if (strcmp(endpoints[i].name, name) != 0)
			continue;
		if (strcmp(endpoints[i].method, rq->method) != 0) {
			reply_control_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "wrong method");
			reply_header(r, "Allow", endpoints[i].method);
			return;
		}
		endpoints[i].fn(rq, r);
		return;
	}
	reply_control_error(r, MHD_HTTP_NOT_FOUND, "no such control endpoint");
}
