/* SPDX-License-Identifier: BSD-3-Clause */
/* relay.h — the helper's end of the socket to pam_tmdb.so (module/helper_proto.h): the
 * conversation function of the helper's PAM handle (each call goes to the host and back), the
 * module's log lines (pam_syslog is defined here, so that the module code linked into the
 * helper logs through the host), and a watcher that ends the helper when the host goes away
 * while nothing is in hand that must be cleaned up. */
#ifndef PAM_TMDB_HELPER_RELAY_H
#define PAM_TMDB_HELPER_RELAY_H

#include <security/pam_appl.h>

#include "helper_proto.h"

/* What the helper is doing, for the watcher: in RELAY_EXITABLE the host's going away ends the
 * helper at once (nothing is in hand yet); in RELAY_FINISHING the work goes on to its end (a
 * request that may create a session, a session to delete, a logout's DELETE). Going back to
 * RELAY_EXITABLE after the host went ends the helper there and then. */
enum relay_state { RELAY_EXITABLE, RELAY_FINISHING };

/* The socket is descriptor fd. */
void relay_start(int fd);

/* Starts the watcher (once the request is in: before it, the main thread's own reading notices
 * a closed socket or bad input). 0 or -1. */
int relay_watch(void);
void relay_set_state(enum relay_state s);

/* Text that must never leave the helper (the API key, the access token): replaced by
 * "(hidden)" in every log line sent. At most 4 are kept (copies, wiped by
 * relay_forget_secrets); NULL is ignored. */
void relay_hide(const char *secret);
void relay_forget_secrets(void);

/* The conversation function for pam_start (appdata unused). */
int relay_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata);

/* Receives the request (waits at most timeout_ms). 0, or -1 (logged). */
int relay_read_request(int timeout_ms, struct hp_request *req);

/* Sends the result. 0, or -1 (the host is gone). */
int relay_send_result(const struct hp_result *res);

/* Waits for the host's TAKEN. 0 with *rc, or -1 (timeout, closed, garbage). */
int relay_read_taken(int timeout_ms, uint32_t *rc);

/* Waits for the module's OUTCOME (helper_proto.h). 0 with *outcome; 1 when the socket closed
 * first; -1 on timeout or anything else (logged). */
int relay_read_outcome(int timeout_ms, uint32_t *outcome);

/* A line for the system log of the helper itself, whatever the host does with the relayed ones
 * (refusals of the caller, protocol violations). */
void relay_audit(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
