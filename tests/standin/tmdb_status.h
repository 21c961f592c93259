/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb_status.h: TMDb's table of API status codes: their messages and
 * the HTTP status each one comes with. */
#ifndef STANDIN_TMDB_STATUS_H
#define STANDIN_TMDB_STATUS_H

/* The status_message for code, or a generic one for unknown codes. */
const char *tmdb_status_message(int code);
/* The HTTP status TMDb sends with code (500 when unknown). */
unsigned tmdb_status_http(int code);
/* A plausible TMDb code for an HTTP status (used by status-only faults). */
int tmdb_status_for_http(unsigned http);

#endif
