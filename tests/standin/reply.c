/* SPDX-License-Identifier: BSD-3-Clause */
/* reply.c: response framing and the fault modifiers that act on it. */
#include "config.h"

#include "reply.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmdb_status.h"
#include "util.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define ENDLESS_STEP_MS 50
#define ENDLESS_STEP_BYTES 64

void reply_init(struct reply *r, unsigned status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	buf_init(&r->body);
}

void reply_free(struct reply *r)
{
	size_t i;

	buf_free(&r->body);
	free(r->content_type);
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->nheaders = 0;
	r->content_type = NULL;
}

void reply_header(struct reply *r, const char *name, const char *value)
{
	if (r->nheaders == REPLY_MAX_HEADERS)
		return;
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

void reply_content_type(struct reply *r, const char *type)
{
	free(r->content_type);
	r->content_type = xstrdup(type);
}

void reply_tmdb_error_http(struct reply *r, unsigned http, int code)
{
	r->status = http;
	r->body.len = 0;
	/* TMDb puts "failure" before status_code in its status 17 body. */
	buf_printf(&r->body, "{\"success\":false,%s\"status_code\":%d,\"status_message\":",
		   code == 17 ? "\"failure\":true," : "", code);
	buf_json_cstr(&r->body, tmdb_status_message(code));
	buf_adds(&r->body, "}");
}

void reply_tmdb_error(struct reply *r, int code)
{
	reply_tmdb_error_http(r, tmdb_status_http(code), code);
}

void reply_control_error(struct reply *r, unsigned http, const char *message)
{
	r->status = http;
	r->body.len = 0;
	buf_adds(&r->body, "{\"success\":false,\"error\":");
	buf_json_cstr(&r->body, message);
	buf_adds(&r->body, "}");
}

/* State of one response body as MHD pulls it. */
struct body_reader {
	const atomic_bool *stopping;
	char *data;
	size_t len;        /* body bytes */
	size_t total;      /* body + padding */
	size_t limit;      /* bytes to send before ending or erroring */
	size_t sent;
	long trickle_ms;
	bool close_mid_body;
	bool endless;
};

static ssize_t read_body(void *cls, uint64_t pos, char *out, size_t max)
{
	struct body_reader *br = cls;
	size_t n, i;

	(void)pos;
	if (atomic_load(br->stopping) || max == 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (br->sent >= br->limit) {
		if (br->close_mid_body)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (!br->endless)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* Endless: whitespace forever, slowly. */
		if (br->trickle_ms > 0) {
			if (!sleep_ms(br->stopping, br->trickle_ms))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			out[0] = ' ';
			return 1;
		}
		if (!sleep_ms(br->stopping, ENDLESS_STEP_MS))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		n = max < ENDLESS_STEP_BYTES ? max : ENDLESS_STEP_BYTES;
		memset(out, ' ', n);
		return (ssize_t)n;
	}
	n = br->limit - br->sent;
	if (n > max)
		n = max;
	if (br->trickle_ms > 0) {
		if (!sleep_ms(br->stopping, br->trickle_ms))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		size_t at = br->sent + i;

		out[i] = at < br->len ? br->data[at] : ' ';
	}
	br->sent += n;
	return (ssize_t)n;
}

static void free_body(void *cls)
{
	struct body_reader *br = cls;

	free(br->data);
	free(br);
}

enum MHD_Result reply_send(struct request *rq, struct reply *r)
{
	const struct fault *f = rq->fault;
	struct body_reader *br = xcalloc(1, sizeof(*br));
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;
	const char *type = r->content_type != NULL ? r->content_type : JSON_TYPE;
	size_t i;

	br->stopping = &rq->si->stopping;
	br->len = r->body.len;
	br->data = buf_steal(&r->body);
	br->total = br->len;
	if (f != NULL) {
		br->total += (size_t)f->pad_bytes;
		br->trickle_ms = f->trickle_ms;
		br->close_mid_body = f->close_mid_body;
		br->endless = f->endless;
		if (f->content_type != NULL)
			type = f->content_type;
	}
	br->limit = br->close_mid_body ? br->total / 2 : br->total;

	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, read_body, br, free_body);
	if (resp == NULL) {
		free_body(br);
		goto out;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, "openresty");
	/* MHD drops a "Connection: keep-alive" header on HTTP/1.1 unless told. */
	MHD_set_response_options(resp, MHD_RF_SEND_KEEP_ALIVE_HEADER, MHD_RO_END);
	for (i = 0; i < r->nheaders; i++) {
		if (f != NULL && f->no_callback &&
		    strcasecmp(r->headers[i].name, "authentication-callback") == 0)
			continue;
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	}
	if (f != NULL && f->retry_after != NULL)
		MHD_add_response_header(resp, "Retry-After", f->retry_after);
	if (f != NULL && f->header_bytes > 0) {
		char *pad = xmalloc((size_t)f->header_bytes + 1);

		memset(pad, 'x', (size_t)f->header_bytes);
		pad[f->header_bytes] = '\0';
		MHD_add_response_header(resp, "X-Standin-Padding", pad);
		free(pad);
	}
	ret = MHD_queue_response(rq->mhd, r->status, resp);
	MHD_destroy_response(resp);
out:
	reply_free(r);
	return ret;
}
