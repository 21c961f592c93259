/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Browser approval at the TMDb stand-in: the approval URL with its query string and fragment
 * removed, then "/allow?user=NAME" (NAME percent-encoded) or "/deny" appended; one HTTPS GET with
 * peer and host verification (--cafile as trust anchor), no proxy, no redirects. TMDb's v4 page
 * names the token in the query (".../auth/access?request_token=T"): that parameter is kept,
 * "/allow?request_token=T&user=NAME" or "/deny?request_token=T".
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of the request_token parameter of url's query (not past a fragment), or NULL;
 * *len receives its length. */
static const char *request_token_param(const char *url, size_t *len)
{
	size_t qstart = strcspn(url, "?#");
	const char *p = url + qstart + 1;

	if (url[qstart] != '?')
		return NULL;
	for (;;) {
		size_t n = strcspn(p, "&#");
		if (strncmp(p, "request_token=", 14) == 0 && n >= 14) {
			*len = n - 14;
			return p + 14;
		}
		if (p[n] != '&')
			return NULL;
		p += n + 1;
	}
}

char *approve_url_for(const char *url, const char *allow_user)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t base = strcspn(url, "?#");
	size_t ulen = allow_user ? strlen(allow_user) : 0;
	size_t tlen = 0;
	const char *token = request_token_param(url, &tlen);
	char *out, *p;

	while (base > 0 && url[base - 1] == '/')
		base--;
	out = malloc(base + sizeof "/allow?request_token=&user=" + tlen + 3 * ulen + 1);
	if (!out)
		return NULL;
	memcpy(out, url, base);
	p = out + base;
	p += sprintf(p, "%s", allow_user ? "/allow" : "/deny");
	if (token)
		p += sprintf(p, "?request_token=%.*s", (int)tlen, token);
	if (!allow_user)
		return out;
	p += sprintf(p, "%cuser=", token ? '&' : '?');
	for (size_t i = 0; i < ulen; i++) {
		unsigned char c = (unsigned char)allow_user[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

long approve_now(const struct host_opts *o, const char *seen_url, int quiet)
{
	char errbuf[CURL_ERROR_SIZE];
	char *url = approve_url_for(seen_url, o->deny ? NULL : o->approve_as);
	long status = 0;
	CURLcode cc = CURLE_OUT_OF_MEMORY;
	CURL *h = curl_easy_init();

	errbuf[0] = '\0';
	if (url && h) {
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_PROXY, "");
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		if (o->cafile)
			curl_easy_setopt(h, CURLOPT_CAINFO, o->cafile);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "tmdb-host (test browser)");
		cc = curl_easy_perform(h);
		if (cc == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	}
	if (!quiet) {
		struct jbuf b;
		ev_begin(&b, "approve");
		ev_str(&b, "url", url ? url : seen_url);
		ev_str(&b, "action", o->deny ? "deny" : "allow");
		ev_int(&b, "status", status);
		if (cc != CURLE_OK)
			ev_str(&b, "error", errbuf[0] ? errbuf : curl_easy_strerror(cc));
		ev_end(&b);
	}
	if (h)
		curl_easy_cleanup(h);
	free(url);
	return status;
}
