/* SPDX-License-Identifier: BSD-3-Clause */
/* curl_pool.h — a process-wide pool of idle libcurl handles, so that a long-lived host
 * (a display manager, a service authenticating many users) keeps its TLS connection, TLS
 * session and parsed CA store from one PAM transaction to the next. Each entry is an easy
 * handle and the module's own multi handle that drives it: the multi holds the connection and
 * CA caches, and its wake-up socket pair is close-on-exec (cloexec.c), which the multi that
 * curl_easy_perform would make inside the easy handle is not. Thread-safe; fork-aware: handles
 * made in another process are never used nor closed (their sockets are the parent's). */
#ifndef PAM_TMDB_CURL_POOL_H
#define PAM_TMDB_CURL_POOL_H

#include <stdbool.h>

#include <curl/curl.h>

#define CURL_POOL_MAX_IDLE 64

struct curl_pair {
	CURL *easy;
	CURLM *multi; /* never holds easy between requests */
};

/* An idle pair of this process, or a new one; false when out of memory. */
bool curl_pool_take(struct curl_pair *out);

/* Hands a pair back (made by curl_pool_take in this process): kept when there is room, else
 * cleaned up. */
void curl_pool_give(struct curl_pair *p);

#endif
