/* curl_pool.h — a process-wide pool of idle libcurl easy handles, so that a long-lived host
 * (a display manager, a service authenticating many users) keeps its TLS connection, TLS
 * session and parsed CA store from one PAM transaction to the next. Thread-safe; fork-aware:
 * handles made in another process are never used nor closed (their sockets are the parent's). */
#ifndef PAM_TMDB_CURL_POOL_H
#define PAM_TMDB_CURL_POOL_H

#include <curl/curl.h>

#define CURL_POOL_MAX_IDLE 64

/* An idle handle of this process, or a new one; NULL when out of memory. */
CURL *curl_pool_take(void);

/* Hands a handle back (made by curl_pool_take in this process): kept when there is room, else
 * cleaned up. */
void curl_pool_give(CURL *h);

#endif
