/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_approval.c — approval_url: the URL the user is asked to open, built from the server's
 * Authentication-Callback header (untrusted), approve_url, the request token and redirect_to.
 * http_escape needs a client with a real libcurl handle. http_client_get cannot make one
 * outside a PAM module (libpam's pam_set_data refuses a caller that is the application, even
 * with a handle from pam_start_confdir), so this file includes http.c, like fuzz_header, and
 * builds the struct itself around curl_easy_init(); no request is ever sent.
 *
 * Input format: byte 0 holds flags (bit 0: allow_http=yes; bit 1: no callback header at all);
 * the rest is NUL-separated: the callback header value, redirect_to, approve_url. A
 * redirect_to or approve_url that options_set refuses is left at its default (none / TMDb's),
 * since a configuration with it would never load.
 *
 * Checked: the header is used exactly when it is a clean http(s) URL (https only without
 * allow_http; 1..2048 bytes in 0x21..0x7e); the URL starts with the header, or else with
 * approve_url followed by the token; it holds only printable non-blank ASCII; with
 * redirect_to, it ends with "redirect_to=" and the percent-encoded value, which libcurl's
 * URL parser finds as a parameter of the URL's query (not inside a fragment). */
#include "../module/http.c"

#include "approval.h"
#include "fuzz_util.h"

#define TOKEN "0123456789abcdef0123456789abcdef01234567"

static struct http_client client;
static CURL *escaper; /* for the expected encoding of redirect_to */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		abort();
	client.curl = curl_easy_init();
	escaper = curl_easy_init();
	if (client.curl == NULL || escaper == NULL)
		abort();
	return 0;
}

/* The header is used when it is a plain http(s) URL and, with redirect_to (extra bytes once
 * escaped, "?redirect_to=" included), still fits APPROVAL_URL_MAX: a greeter carries no more
 * (approval.h). */
static bool model_clean(const char *u, bool allow_http, size_t extra)
{
	size_t n = strlen(u);
	if (n == 0 || n + extra > APPROVAL_URL_MAX)
		return false;
	if (strncmp(u, "https://", 8) != 0 && !(allow_http && strncmp(u, "http://", 7) == 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f || u[i] == '#')
			return false; /* F4: a fragment would swallow ?redirect_to= */
	return true;
}

/* Next NUL-separated field of [*p, end), or NULL when there is none. */
static char *next_field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *q;
	size_t n;
	char *s;
	if (*p > end)
		return NULL;
	q = memchr(*p, '\0', (size_t)(end - *p));
	n = q ? (size_t)(q - *p) : (size_t)(end - *p);
	s = fuzz_strndup(*p, n);
	*p += n + 1;
	return s;
}

static bool query_has_redirect(const char *url, const char *escaped)
{
	CURLU *u = curl_url();
	char *query = NULL;
	bool ok = true;
	if (u == NULL)
		abort();
	/* only a URL libcurl understands can be checked this way */
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
		size_t el = strlen(escaped), ql;
		ok = curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK;
		if (ok) {
			ql = strlen(query);
			ok = ql >= el + 12 && strcmp(query + ql - el, escaped) == 0 &&
			     memcmp(query + ql - el - 12, "redirect_to=", 12) == 0 &&
			     (ql == el + 12 || query[ql - el - 13] == '&');
		}
	}
	curl_free(query);
	curl_url_cleanup(u);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size;
	struct tmdb_options o;
	struct tmdb_token token;
	char *callback, *redirect, *approve, *url, *escaped = NULL;
	char err[320];
	bool used = false, allow_http;
	size_t extra = 0;

	if (size < 1)
		return 0;
	allow_http = data[0] & 1;
	p = data + 1;
	callback = next_field(&p, end);
	redirect = next_field(&p, end);
	approve = next_field(&p, end);

	if (options_defaults(&o) != PAM_SUCCESS)
		abort();
	o.allow_http = allow_http;
	if (redirect != NULL && options_set(&o, "redirect_to", redirect, err, sizeof(err)) != PAM_SUCCESS) {
		free(redirect);
		redirect = NULL;
	}
	if (approve != NULL)
		(void)options_set(&o, "approve_url", approve, err, sizeof(err));

	memset(&token, 0, sizeof(token));
	memcpy(token.request_token, TOKEN, sizeof(TOKEN));
	token.callback = (data[0] & 2) ? NULL : callback;

	if (o.redirect_to != NULL) {
		char *e = curl_easy_escape(escaper, o.redirect_to, 0);
		FUZZ_CHECK(e != NULL, "escape");
		extra = strlen(e) + sizeof("?redirect_to=") - 1;
		curl_free(e);
	}
	url = approval_url(&client, &o, &token, &used);
	FUZZ_CHECK(url != NULL, "no URL");
	FUZZ_CHECK(used == (token.callback != NULL && model_clean(token.callback, allow_http, extra)),
		   "header used=%d for \"%s\"", used, token.callback ? token.callback : "(none)");
	if (used) {
		FUZZ_CHECK(strncmp(url, token.callback, strlen(token.callback)) == 0, "URL does not start with the header");
	} else {
		size_t al = strlen(o.approve_url);
		FUZZ_CHECK(strncmp(url, o.approve_url, al) == 0 && strncmp(url + al, TOKEN, 40) == 0,
			   "URL does not start with approve_url + token: %s", url);
	}
	for (const unsigned char *c = (const unsigned char *)url; *c; c++)
		FUZZ_CHECK(*c > 0x20 && *c < 0x7f, "byte 0x%02x in the URL", *c);
	if (o.redirect_to != NULL) {
		size_t ul = strlen(url), el;
		escaped = curl_easy_escape(escaper, o.redirect_to, 0);
		FUZZ_CHECK(escaped != NULL, "escape");
		el = strlen(escaped);
		FUZZ_CHECK(ul > el + 12 && strcmp(url + ul - el, escaped) == 0 &&
				   memcmp(url + ul - el - 12, "redirect_to=", 12) == 0,
			   "redirect_to is not at the end: %s", url);
		/* finding F4: a '#' in the header puts redirect_to inside the fragment */
		FUZZ_CHECK(query_has_redirect(url, escaped), "redirect_to is not a query parameter of %s", url);
		curl_free(escaped);
	} else {
		FUZZ_CHECK(used || strstr(url + strlen(o.approve_url), "redirect_to=") == NULL, "redirect_to without one");
	}
	free(url);
	options_free(&o);
	free(callback);
	free(redirect);
	free(approve);
	return 0;
}
