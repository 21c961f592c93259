/* SPDX-License-Identifier: BSD-3-Clause */
/* cloexec.h — keeping libcurl's descriptors out of the programs a host starts. su and login
 * start the user's shell (and tmdb-login its browser and --exec command) without closing
 * descriptors, while the module's transaction, and its pooled libcurl handle, is still alive;
 * libcurl 7.88 opens its connection sockets and its multi handle's wake-up socket pair without
 * close-on-exec. Everything it keeps between requests goes through here. */
#ifndef PAM_TMDB_CLOEXEC_H
#define PAM_TMDB_CLOEXEC_H

#include <curl/curl.h>

/* A CURLOPT_OPENSOCKETFUNCTION: the socket libcurl asks for, made close-on-exec atomically
 * (SOCK_CLOEXEC), so that no fork+exec in another thread can catch it without the flag. */
curl_socket_t cloexec_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

/* curl_multi_init, then FD_CLOEXEC on every socket that appeared in this process during the
 * call and lacks it (libcurl's wake-up pair; it has no API to name them). The descriptors are
 * found by comparing /proc/self/fd (or, without /proc, every descriptor number below the
 * limit) before and after. NULL when out of memory. */
CURLM *cloexec_multi_init(void);

#endif
