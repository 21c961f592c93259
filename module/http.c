/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP over libcurl. Why one handle per transaction: TMDb's three steps then share one
 * TCP+TLS connection, and the CA store is parsed once. Why the module drives it through its
 * own multi handle instead of curl_easy_perform: every descriptor libcurl keeps must be
 * close-on-exec (cloexec.h), and the multi that curl_easy_perform makes is out of reach. */
#include "config.h"
#include "http.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <security/pam_ext.h>

#include "ascii.h"
#include "clock.h"
#include "cloexec.h"
#include "curl_pool.h"
#include "fork_guard.h"
#include "text.h"
#include "wipe.h"

#define HTTP_DATA_NAME "pam_tmdb_http"
#define MAX_HEADER_VALUE 2048
#define FIRST_BACKOFF_MS 250

struct http_client {
	CURL *curl;
	CURLM *multi;       /* drives curl, one request at a time (curl_pool.h) */
	pid_t owner;        /* the process that took curl from the pool */
	pam_handle_t *pamh;
	const struct tmdb_options *o;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	/* what the current attempt captured */
	struct http_response *resp;
	size_t cap;
	bool oversize;
	long retry_after_ms; /* -1: no Retry-After header */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;
static bool curl_threadsafe;
static const char *curl_version_text = "?";

/* Variables that libcurl or its TLS library read from the environment at global init. A
 * setuid host (su, sudo) hands the module an environment its caller chose: libcurl opens
 * $SSLKEYLOGFILE for appending, as root, and writes TLS secrets into it. None of them may
 * change what the module does. */
static const char *const hostile_env[] = {
	"SSLKEYLOGFILE", "OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES", "SSL_CERT_FILE",
	"SSL_CERT_DIR", "CURL_SSL_BACKEND", "CURL_CA_BUNDLE",
};
/* The environment libcurl saw at init. Kept (never freed): a thread that read the pointer
 * while it was installed may still be walking it. */
static char **volatile clean_environ; /* volatile: a store the compiler must keep */

static bool is_hostile(const char *entry)
{
	for (size_t i = 0; i < sizeof(hostile_env) / sizeof(hostile_env[0]); i++) {
		size_t n = strlen(hostile_env[i]);
		if (strncmp(entry, hostile_env[i], n) == 0 && entry[n] == '=')
			return true;
	}
	return false;
}

/* environ without the hostile entries (the strings are shared, not copied); NULL when out of
 * memory. */
static char **filtered_environ(void)
{
	size_t n = 0, k = 0;
	char **out;
	for (char **e = environ; e != NULL && *e != NULL; e++)
		n++;
	out = calloc(n + 1, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (char **e = environ; e != NULL && *e != NULL; e++)
		if (!is_hostile(*e))
			out[k++] = *e;
	return out;
}

/* libcurl frees request URLs (api_key=, session_id=), headers and bodies through these:
 * every byte it gives back is wiped first. Only in force when the module is the first to
 * initialise libcurl in the process (else the host's choice stands). */
static void wiping_free(void *p)
{
	if (p != NULL) {
		wipe(p, malloc_usable_size(p));
		free(p);
	}
}

static void *wiping_realloc(void *p, size_t n)
{
	size_t old;
	void *q;
	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		wiping_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old)
		return p;
	q = malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old);
	wiping_free(p);
	return q;
}

static char *plain_strdup(const char *s)
{
	return strdup(s);
}

/* curl_global_init is thread-safe only when libcurl says so (CURL_VERSION_THREADSAFE,
 * libcurl >= 7.84); pthread_once at least serialises our own threads in either case. It runs
 * with the hostile variables hidden: environ is swapped for a filtered copy (a pointer store,
 * so a concurrent getenv sees one array or the other) and put back at once. */
static void curl_init_once(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	char **saved = environ;
	curl_threadsafe = v != NULL && (v->features & CURL_VERSION_THREADSAFE) != 0;
	if (v != NULL && v->version != NULL)
		curl_version_text = v->version;
	clean_environ = filtered_environ();
	if (clean_environ == NULL) {
		curl_init_result = CURLE_OUT_OF_MEMORY;
		return;
	}
	environ = clean_environ;
	curl_init_result = curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wiping_free, wiping_realloc,
						plain_strdup, calloc);
	environ = saved;
}

static void free_headers(struct http_client *c)
{
	/* the Authorization line holds the access token */
	for (struct curl_slist *l = c->headers; l != NULL; l = l->next)
		wipe(l->data, strlen(l->data));
	curl_slist_free_all(c->headers);
	c->headers = NULL;
}

static void client_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct http_client *c = data;
	(void)pamh;
	(void)error_status;
	if (c == NULL)
		return;
	/* a handle from before a fork is the parent's: neither closed nor pooled here */
	if (c->owner == getpid()) {
		/* drop libcurl's copies of the last request (its URL holds api_key= or
		 * session_id=) before the handle waits in the pool; the connection stays */
		struct curl_pair p = { c->curl, c->multi };
		curl_easy_reset(c->curl);
		curl_pool_give(&p);
	}
	free_headers(c);
	free(c);
}

void http_response_clear(struct http_response *r)
{
	if (r == NULL)
		return;
	if (r->body != NULL)
		wipe_free(r->body, r->len);
	free(r->callback);
	memset(r, 0, sizeof(*r));
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_client *c = userdata;
	struct http_response *r = c->resp;
	size_t n = size * nmemb;
	size_t max = (size_t)c->o->max_response;

	if (n > max || r->len > max - n) {
		c->oversize = true;
		return 0; /* aborts the transfer: max_response is enforced while reading */
	}
	if (r->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		char *nb;
		while (cap < r->len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		nb = malloc(cap);
		if (nb == NULL)
			return 0;
		/* copy and wipe instead of realloc, which could leave secrets in freed memory */
		if (r->body != NULL) {
			memcpy(nb, r->body, r->len);
			wipe_free(r->body, c->cap);
		}
		r->body = nb;
		c->cap = cap;
	}
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static bool header_is(const char *line, size_t len, const char *name, const char **value, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *v, *end;
	if (len <= nl || ascii_ncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return false;
	v = line + nl + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*value = v;
	*vlen = (size_t)(end - v);
	return true;
}

/* Retry-After: delay-seconds or an HTTP date. */
static long parse_retry_after(const char *v, size_t len)
{
	char buf[64];
	char *end;
	long secs;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	secs = strtol(buf, &end, 10);
	if (end != buf && *end == '\0') {
		if (errno != 0 || secs < 0 || secs > 86400L * 365)
			return 86400L * 365 * 1000;
		return secs * 1000;
	}
	{
		time_t when = curl_getdate(buf, NULL);
		time_t now = time(NULL);
		if (when == (time_t)-1)
			return -1;
		if (when <= now)
			return 0;
		/* capped like delay-seconds, so a far-future date cannot overflow */
		if (when - now > (time_t)86400 * 365)
			return 86400L * 365 * 1000;
		return (long)(when - now) * 1000;
	}
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
	struct http_client *c = userdata;
	size_t len = size * nitems;
	const char *v;
	size_t vlen;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue, say): forget the previous one's headers */
		free(c->resp->callback);
		c->resp->callback = NULL;
		c->retry_after_ms = -1;
	} else if (header_is(line, len, "authentication-callback", &v, &vlen)) {
		free(c->resp->callback);
		c->resp->callback = NULL;
		if (vlen > 0 && vlen <= MAX_HEADER_VALUE) {
			c->resp->callback = strndup(v, vlen);
			if (c->resp->callback == NULL)
				return 0;
		}
	} else if (header_is(line, len, "retry-after", &v, &vlen)) {
		c->retry_after_ms = parse_retry_after(v, vlen);
	}
	return len;
}

static int apply_options(struct http_client *c)
{
	const struct tmdb_options *o = c->o;
	CURL *h = c->curl;
	const char *protocols = o->allow_http ? "http,https" : "https";
	bool ok = true;

	/* reset keeps the live connection, the DNS and TLS session caches */
	curl_easy_reset(h);
	free_headers(c);
	c->headers = curl_slist_append(NULL, "Accept: application/json");
	if (c->headers != NULL && !curl_slist_append(c->headers, "Content-Type: application/json;charset=utf-8"))
		return PAM_BUF_ERR;
	if (c->headers == NULL)
		return PAM_BUF_ERR;
	if (o->access_token != NULL) {
		size_t n = strlen(o->access_token) + sizeof("Authorization: Bearer ");
		char *line = malloc(n);
		struct curl_slist *l;
		if (line == NULL)
			return PAM_BUF_ERR;
		snprintf(line, n, "Authorization: Bearer %s", o->access_token);
		l = curl_slist_append(c->headers, line);
		wipe_free(line, n);
		if (l == NULL)
			return PAM_BUF_ERR;
	}

	ok &= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	/* no program a host starts inherits the connection (su and login exec the shell while the
	 * transaction, and this handle, is alive) */
	ok &= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, cloexec_open_socket) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	/* the proxy key or none: a set CURLOPT_PROXY (even "") and CURLOPT_NOPROXY keep libcurl
	 * from reading https_proxy, ALL_PROXY and NO_PROXY of whatever process loaded us */
	ok &= curl_easy_setopt(h, CURLOPT_PROXY, o->proxy != NULL ? o->proxy : "") == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_NOPROXY, "") == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	if (o->cafile != NULL || o->capath != NULL) {
		/* pinning: the configured anchors replace the system store, so the one not
		 * configured is switched off rather than left at libcurl's default */
		ok &= curl_easy_setopt(h, CURLOPT_CAINFO, o->cafile) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_CAPATH, o->capath) == CURLE_OK;
	}
	/* a pooled handle keeps the parsed CA store; an updated store is seen within 10 minutes */
	ok &= curl_easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 600L) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_USERAGENT, o->user_agent) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_WRITEDATA, c) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_HEADERDATA, c) == CURLE_OK;
	if (!ok) {
		pam_syslog(c->pamh, LOG_ERR, "libcurl refused an option (libcurl %s)", curl_version_text);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static bool take_pair(struct http_client *c)
{
	struct curl_pair p;
	if (!curl_pool_take(&p))
		return false;
	c->curl = p.easy;
	c->multi = p.multi;
	c->owner = getpid();
	return true;
}

/* A zeroed client with a connection pair from the pool, or NULL: http_client_get and
 * http_client_open both start from one. */
static struct http_client *new_client(void)
{
	struct http_client *c = calloc(1, sizeof(*c));

	if (c != NULL && !take_pair(c)) {
		free(c);
		c = NULL;
	}
	return c;
}

/* libcurl's global set-up, once per process (inside the fork guard: see fork_guard.h). */
static int curl_ready(pam_handle_t *pamh)
{
	fork_guard_enter();
	pthread_once(&curl_once, curl_init_once);
	fork_guard_leave();
	if (curl_init_result != CURLE_OK) {
		pam_syslog(pamh, LOG_ERR, "libcurl initialisation failed: %s", curl_easy_strerror(curl_init_result));
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

int http_client_get(pam_handle_t *pamh, const struct tmdb_options *o, struct http_client **out)
{
	const void *data = NULL;
	struct http_client *c;
	int rc;

	rc = curl_ready(pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!curl_threadsafe && o->debug)
		pam_syslog(pamh, LOG_DEBUG, "libcurl %s lacks CURL_VERSION_THREADSAFE: a threaded host must call "
			   "curl_global_init before starting threads", curl_version_text);
	if (pam_get_data(pamh, HTTP_DATA_NAME, &data) == PAM_SUCCESS && data != NULL) {
		c = (struct http_client *)(uintptr_t)data;
		if (c->owner != getpid()) {
			/* the host forked after an earlier entry point (sshd does): leave the
			 * parent's connection alone and start our own */
			if (!take_pair(c))
				return PAM_BUF_ERR;
		}
	} else {
		c = new_client();
		if (c == NULL)
			return PAM_BUF_ERR;
		rc = pam_set_data(pamh, HTTP_DATA_NAME, c, client_cleanup);
		if (rc != PAM_SUCCESS) {
			client_cleanup(pamh, c, 0);
			return rc;
		}
	}
	c->pamh = pamh;
	c->o = o;
	rc = apply_options(c);
	if (rc != PAM_SUCCESS)
		return rc;
	*out = c;
	return PAM_SUCCESS;
}

int http_client_open(pam_handle_t *pamh, const struct tmdb_options *o, struct http_client **out)
{
	struct http_client *c;
	int rc;

	rc = curl_ready(pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	c = new_client();
	if (c == NULL)
		return PAM_BUF_ERR;
	c->pamh = pamh;
	c->o = o;
	rc = apply_options(c);
	if (rc != PAM_SUCCESS) {
		client_cleanup(pamh, c, 0);
		return rc;
	}
	*out = c;
	return PAM_SUCCESS;
}

void http_client_close(struct http_client *c)
{
	client_cleanup(c != NULL ? c->pamh : NULL, c, 0);
}

char *http_escape(struct http_client *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);
	char *copy;
	if (e == NULL)
		return NULL;
	copy = strdup(e);
	wipe(e, strlen(e));
	curl_free(e);
	return copy;
}

/* The path without its query string, which may hold the API key or a session id. */
static void log_path(char *dst, size_t cap, const char *path_query)
{
	size_t n = strcspn(path_query, "?");
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, path_query, n);
	dst[n] = '\0';
}

static bool is_retryable_status(long status)
{
	return status == 429 || (status >= 500 && status <= 599);
}

static bool is_retryable_transport(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static CURLcode multi_error(CURLMcode mc)
{
	return mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_BAD_FUNCTION_ARGUMENT;
}

/* curl_easy_perform, on the module's multi handle (the loop libcurl's easy.c runs): the
 * transfer's own timeouts end it. The handle leaves the multi again; the connection stays in
 * the multi's cache for the next request. */
static CURLcode perform(struct http_client *c)
{
	CURLMcode mc = curl_multi_add_handle(c->multi, c->curl);
	CURLcode result = CURLE_OK;
	int running = 1;

	if (mc != CURLM_OK)
		return multi_error(mc);
	while (running) {
		mc = curl_multi_perform(c->multi, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			result = multi_error(mc);
			break;
		}
	}
	if (mc == CURLM_OK) {
		CURLMsg *m;
		int left;
		result = CURLE_GOT_NOTHING; /* no word from libcurl: treated as a transport failure */
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE && m->easy_handle == c->curl)
				result = m->data.result;
	}
	curl_multi_remove_handle(c->multi, c->curl);
	return result;
}

/* TLS failures of trust: the trust anchors (cafile, capath, the system store) cannot be read,
 * or do not vouch for the server's certificate. A configuration error, not an outage: the
 * administrator must fix the anchors, or find what on the network presents another
 * certificate (a proxy that intercepts TLS, a captive portal). */
static bool is_trust_failure(CURLcode code)
{
	switch (code) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return true;
	default:
		return false;
	}
}

static void log_trust_failure(const struct http_client *c, const char *method, const char *where, CURLcode code)
{
	const struct tmdb_options *o = c->o;
	char safe[CURL_ERROR_SIZE];
	const char *anchors_key = o->cafile != NULL ? "cafile " : o->capath != NULL ? "capath " : "";
	const char *anchors = o->cafile != NULL ? o->cafile : o->capath != NULL ? o->capath : "the system's CA store";

	text_sanitize(safe, sizeof(safe), c->errbuf, strlen(c->errbuf));
	if (code == CURLE_SSL_CACERT_BADFILE)
		pam_syslog(c->pamh, LOG_ERR, "%s %s: TLS: cannot load the trust anchors from %s%s (%s%s%s): a configuration "
			   "error; %s must exist and hold PEM CA certificates", method, where, anchors_key, anchors,
			   curl_easy_strerror(code), safe[0] ? ": " : "", safe, anchors_key[0] ? anchors : "it");
	else
		pam_syslog(c->pamh, LOG_ERR, "%s %s: TLS: the certificate of the server %s is not trusted by %s%s (%s%s%s): "
			   "a configuration error (cafile/capath), or something on the network intercepts TLS",
			   method, where, o->api_url, anchors_key, anchors, curl_easy_strerror(code), safe[0] ? ": " : "",
			   safe);
}

static int set_method(CURL *h, const char *method, const char *body)
{
	bool ok = true;
	if (strcmp(method, "GET") == 0) {
		ok &= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL) == CURLE_OK;
	} else {
		ok &= curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "") == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0)) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") == 0 ? NULL : method) == CURLE_OK;
	}
	return ok ? PAM_SUCCESS : PAM_SERVICE_ERR;
}

int http_request(struct http_client *c, const char *method, const char *path_query,
		 const char *json_body, struct http_response *resp)
{
	const struct tmdb_options *o = c->o;
	long deadline = clock_now_ms() + o->timeout * 1000L;
	long backoff = FIRST_BACKOFF_MS;
	size_t url_len = strlen(o->api_url) + strlen(path_query) + 1;
	char *url = malloc(url_len);
	char where[128];
	int rc = PAM_AUTHINFO_UNAVAIL;

	memset(resp, 0, sizeof(*resp));
	if (url == NULL)
		return PAM_BUF_ERR;
	snprintf(url, url_len, "%s%s", o->api_url, path_query);
	log_path(where, sizeof(where), path_query);
	if (curl_easy_setopt(c->curl, CURLOPT_URL, url) != CURLE_OK ||
	    set_method(c->curl, method, json_body) != PAM_SUCCESS) {
		rc = PAM_SERVICE_ERR;
		goto out;
	}

	for (long attempt = 0;; attempt++) {
		long remaining = deadline - clock_now_ms();
		long wait_ms;
		CURLcode code;

		if (remaining <= 0) {
			pam_syslog(c->pamh, LOG_ERR, "%s %s: no answer within timeout=%ld s", method, where, o->timeout);
			break;
		}
		http_response_clear(resp);
		c->resp = resp;
		c->cap = 0;
		c->oversize = false;
		c->retry_after_ms = -1;
		c->errbuf[0] = '\0';
		curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, remaining);
		curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
				 o->connect_timeout * 1000L < remaining ? o->connect_timeout * 1000L : remaining);
		fork_guard_enter();
		code = perform(c);
		fork_guard_leave();
		c->resp = NULL;

		if (code == CURLE_OK) {
			curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
			if (o->debug)
				pam_syslog(c->pamh, LOG_DEBUG, "%s %s: HTTP %ld, %zu bytes", method, where, resp->status, resp->len);
			if (!is_retryable_status(resp->status)) {
				rc = PAM_SUCCESS;
				break;
			}
			wait_ms = c->retry_after_ms >= 0 ? c->retry_after_ms : backoff;
			pam_syslog(c->pamh, LOG_WARNING, "%s %s: HTTP %ld from the server (attempt %ld of %ld)",
				   method, where, resp->status, attempt + 1, o->retries + 1);
		} else if (c->oversize || code == CURLE_FILESIZE_EXCEEDED) {
			pam_syslog(c->pamh, LOG_ERR, "%s %s: response larger than max_response=%ld bytes",
				   method, where, o->max_response);
			break;
		} else if (code == CURLE_OPERATION_TIMEDOUT) {
			pam_syslog(c->pamh, LOG_ERR, "%s %s: no complete answer within timeout=%ld s (connect_timeout=%ld s)",
				   method, where, o->timeout, o->connect_timeout);
			if (deadline - clock_now_ms() <= 0)
				break; /* the whole budget is spent */
			wait_ms = backoff; /* a connect timeout leaves time for another try */
		} else if (is_trust_failure(code)) {
			log_trust_failure(c, method, where, code);
			rc = PAM_SERVICE_ERR; /* trying again will not mend it: the administrator must */
			break;
		} else {
			char safe[CURL_ERROR_SIZE];
			text_sanitize(safe, sizeof(safe), c->errbuf, strlen(c->errbuf));
			pam_syslog(c->pamh, LOG_ERR, "%s %s: %s%s%s", method, where, curl_easy_strerror(code),
				   safe[0] ? ": " : "", safe);
			if (!is_retryable_transport(code))
				break;
			wait_ms = backoff;
		}
		if (attempt >= o->retries) {
			pam_syslog(c->pamh, LOG_ERR, "%s %s: giving up after %ld attempts", method, where, attempt + 1);
			break;
		}
		remaining = deadline - clock_now_ms();
		if (wait_ms >= remaining) {
			pam_syslog(c->pamh, LOG_ERR, "%s %s: retry delay of %ld ms does not fit the remaining %ld ms of timeout=%ld s",
				   method, where, wait_ms, remaining > 0 ? remaining : 0, o->timeout);
			break;
		}
		clock_sleep_ms(wait_ms);
		backoff *= 2;
	}
	if (rc != PAM_SUCCESS)
		http_response_clear(resp);
out:
	wipe_free_str(url);
	return rc;
}
