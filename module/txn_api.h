/* SPDX-License-Identifier: BSD-3-Clause */
/* txn_api.h — the transaction's TMDb client (txn.h), connecting lazily: the part of a
 * transaction that needs libcurl, in the core only (the thin pam_tmdb.so has txn.c without it). */
#ifndef PAM_TMDB_TXN_API_H
#define PAM_TMDB_TXN_API_H

struct txn;
struct tmdb_client;

/* The TMDb client, connecting lazily. */
int txn_api(struct txn *t, struct tmdb_client **api);

#endif
