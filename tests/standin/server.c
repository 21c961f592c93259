/* SPDX-License-Identifier: BSD-3-Clause */
/* server.c: MHD glue, per-request context, dispatch and logging. */
#include "config.h"

#include "server.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "browser.h"
#include "control.h"
#include "reply.h"
#include "request.h"
#include "tmdb_api.h"
#include "tmdb_status.h"
#include "util.h"

#define CONNECTION_MEMORY (512 * 1024)

const char *req_arg(const struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->mhd, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(const struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->mhd, MHD_HEADER_KIND, name);
}

static struct conn_info *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct standin *si = cls;
	struct conn_info *ci;

	(void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = xcalloc(1, sizeof(*ci));
		ci->tls = si->tls;
		stats_conn_open(&si->stats, ci);
		*socket_context = ci;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		ci = *socket_context;
		stats_conn_close(&si->stats);
		if (ci != NULL) {
			free(ci->last_uri);
			free(ci);
		}
		*socket_context = NULL;
	}
}

/* Keeps the raw URI (with its undecoded query) for the request log. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn_info *ci = conn_of(c);

	(void)cls;
	if (ci != NULL) {
		free(ci->last_uri);
		ci->last_uri = xstrdup(uri);
	}
	return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq == NULL)
		return;
	free(rq->method);
	free(rq->path);
	free(rq->raw_query);
	buf_free(&rq->body);
	fault_free(rq->fault);
	free(rq);
	*req_cls = NULL;
}

struct header_dump {
	struct buf *out;
	bool first;
};

static enum MHD_Result dump_header(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct header_dump *hd = cls;
	char *lower = xstrdup(key);
	size_t i;

	(void)kind;
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	if (!hd->first)
		buf_adds(hd->out, ",");
	hd->first = false;
	buf_json_cstr(hd->out, lower);
	buf_adds(hd->out, ":");
	buf_json_cstr(hd->out, value != NULL ? value : "");
	free(lower);
	return MHD_YES;
}

/* Appends the request to the log; status 0 means no response was sent. */
static void log_request(struct request *rq, unsigned status)
{
	struct header_dump hd;
	struct buf j;

	buf_init(&j);
	buf_adds(&j, "{\"method\":");
	buf_json_cstr(&j, rq->method);
	buf_adds(&j, ",\"path\":");
	buf_json_cstr(&j, rq->path);
	buf_adds(&j, ",\"query\":");
	buf_json_cstr(&j, rq->raw_query);
	buf_adds(&j, ",\"headers\":{");
	hd.out = &j;
	hd.first = true;
	MHD_get_connection_values(rq->mhd, MHD_HEADER_KIND, dump_header, &hd);
	buf_adds(&j, "},\"body\":");
	buf_json_str(&j, rq->body.data != NULL ? rq->body.data : "", rq->body.len);
	buf_printf(&j, ",\"connection\":%lu,\"tls\":%s,\"status\":",
		   rq->conn != NULL ? rq->conn->serial : 0UL,
		   rq->conn != NULL && rq->conn->tls ? "true" : "false");
	if (status != 0)
		buf_printf(&j, "%u", status);
	else
		buf_adds(&j, "null");
	buf_printf(&j, ",\"fault\":%s}", rq->fault != NULL ? "true" : "false");
	stats_log(&rq->si->stats, buf_steal(&j));
}

/* The plain-text 429 once recorded from TMDb (a client library's tracker, 2015): no JSON. */
#define RATE_LIMIT_TEXT "Your request count (41) is over the allowed limit of 40."

/* A status-only 429 fault under the rate_limit variant: TMDb's JSON body (as built below) or
 * the plain text, with Retry-After: 1 where the variant says so and the fault gave none. */
static bool rate_limit_reply(struct standin *si, const struct fault *f, struct reply *r)
{
	int v = variants_get(&si->variants, VAR_RATE_LIMIT);

	if (f->status != 429 || f->body != NULL || f->redirect != NULL || v == RATE_JSON)
		return false;
	if (f->retry_after == NULL && (v == RATE_JSON_RETRY_AFTER || v == RATE_TEXT_RETRY_AFTER))
		reply_header(r, "Retry-After", "1");
	if (v == RATE_JSON_RETRY_AFTER)
		return false;
	r->status = 429;
	buf_adds(&r->body, RATE_LIMIT_TEXT);
	reply_content_type(r, "text/plain; charset=utf-8");
	return true;
}

/* Builds the reply a status/redirect fault asks for. */
static void fault_reply(struct standin *si, const struct fault *f, struct reply *r)
{
	if (rate_limit_reply(si, f, r))
		return;
	if (f->redirect != NULL) {
		r->status = f->status ? (unsigned)f->status : MHD_HTTP_FOUND;
		reply_header(r, MHD_HTTP_HEADER_LOCATION, f->redirect);
		if (f->body != NULL)
			buf_adds(&r->body, f->body);
		return;
	}
	if (f->body != NULL) {
		r->status = (unsigned)f->status;
		buf_adds(&r->body, f->body);
		return;
	}
	reply_tmdb_error_http(r, (unsigned)f->status,
			      f->tmdb_status ? (int)f->tmdb_status
					     : tmdb_status_for_http((unsigned)f->status));
	if (f->status >= 200 && f->status < 300 && f->tmdb_status == 0) {
		r->body.len = 0;
		buf_adds(&r->body, "{\"success\":true}");
	}
}

static enum MHD_Result dispatch(struct request *rq)
{
	struct standin *si = rq->si;
	struct reply r;
	enum request_class cls;

	reply_init(&r, MHD_HTTP_OK);
	if (control_path(rq->path)) {
		stats_count(&si->stats, rq->conn, REQ_CONTROL, rq->method, rq->path);
		control_handle(rq, &r);
		return reply_send(rq, &r);
	}
	cls = browser_path(rq->path) ? REQ_BROWSER : REQ_API;
	stats_count(&si->stats, rq->conn, cls, rq->method, rq->path);
	rq->fault = faults_take(&si->faults, rq->method, rq->path);
	if (rq->fault != NULL) {
		const struct fault *f = rq->fault;

		if (f->delay_ms > 0 && !sleep_ms(&si->stopping, f->delay_ms)) {
			reply_free(&r);
			return MHD_NO;
		}
		if (f->close) {
			if (cls == REQ_API)
				log_request(rq, 0);
			reply_free(&r);
			return MHD_NO;
		}
		if (f->redirect != NULL || f->status != 0)
			fault_reply(si, f, &r);
		else if (cls == REQ_API)
			tmdb_api_handle(rq, &r);
		else
			browser_handle(rq, &r);
	} else if (cls == REQ_API) {
		tmdb_api_handle(rq, &r);
	} else {
		browser_handle(rq, &r);
	}
	/* hold_ms: what the handler did is done (a session created), its answer not yet sent */
	if (rq->fault != NULL && rq->fault->hold_ms > 0 && !sleep_ms(&si->stopping, rq->fault->hold_ms)) {
		reply_free(&r);
		return MHD_NO;
	}
	if (cls == REQ_API)
		log_request(rq, r.status);
	return reply_send(rq, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct standin *si = cls;
	struct request *rq = *req_cls;

	(void)version;
	if (rq == NULL) {
		const char *q;

		rq = xcalloc(1, sizeof(*rq));
		rq->si = si;
		rq->mhd = c;
		rq->conn = conn_of(c);
		rq->method = xstrdup(method);
		rq->path = xstrdup(url);
		q = rq->conn != NULL && rq->conn->last_uri != NULL
			    ? strchr(rq->conn->last_uri, '?') : NULL;
		rq->raw_query = xstrdup(q != NULL ? q + 1 : "");
		buf_init(&rq->body);
		*req_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (rq->body.len + *upload_data_size > REQUEST_BODY_MAX)
			rq->body_too_big = true;
		else
			buf_add(&rq->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(rq);
}

/* MHD's logger; the attribute lets -Wformat=2 accept the vfprintf. */
__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct standin *si = cls;

	if (si->quiet)
		return;
	fputs("tmdb-standin: mhd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

struct MHD_Daemon *server_start(struct standin *si, const struct server_config *cfg)
{
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_POLL | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls_opts[3];
	struct MHD_Daemon *d;

	if (cfg->family == AF_INET6)
		flags |= MHD_USE_IPv6;
	memset(tls_opts, 0, sizeof(tls_opts));
	tls_opts[0].option = MHD_OPTION_END;
	if (cfg->tls_cert_pem != NULL) {
		flags |= MHD_USE_TLS;
		tls_opts[0].option = MHD_OPTION_HTTPS_MEM_CERT;
		tls_opts[0].ptr_value = (void *)(uintptr_t)cfg->tls_cert_pem;
		tls_opts[1].option = MHD_OPTION_HTTPS_MEM_KEY;
		tls_opts[1].ptr_value = (void *)(uintptr_t)cfg->tls_key_pem;
		tls_opts[2].option = MHD_OPTION_END;
	}
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, si,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, si,
			     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)cfg->listen_fd,
			     MHD_OPTION_NOTIFY_CONNECTION, on_connection, si,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, si,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, si,
			     MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
			     MHD_OPTION_CONNECTION_LIMIT, 1000U,
			     MHD_OPTION_LISTEN_BACKLOG_SIZE, 256U,
			     MHD_OPTION_ARRAY, tls_opts,
			     MHD_OPTION_END);
	if (d == NULL)
		fprintf(stderr, "tmdb-standin: cannot start the HTTP%s server\n",
			cfg->tls_cert_pem != NULL ? "S" : "");
	return d;
}

void server_stop(struct MHD_Daemon *d)
{
	MHD_stop_daemon(d);
}
