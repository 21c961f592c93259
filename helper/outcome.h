/* SPDX-License-Identifier: BSD-3-Clause */
/* outcome.h — what becomes of the login pam_tmdb_helper handed a session to (helper_proto.h,
 * pam_tmdb_helper(8) LIFETIME): its holder (the host: the peer of the helper's socket), the
 * journal record written for it at authenticate, held by the host, before the hand-over, the
 * requests that may create the session seen through when the host goes, and, after TAKEN,
 * the host's word on the login (CLAIM, FORGET, REVOKE) or, without one, the session of a host
 * that is gone deleted. */
#ifndef PAM_TMDB_HELPER_OUTCOME_H
#define PAM_TMDB_HELPER_OUTCOME_H

#include "txn.h"

/* Takes the host's pid and start time (SO_PEERCRED on descriptor 0, checked to run as the
 * caller's uid); unknown when that fails (logged): then nothing is recorded, and without a
 * word after TAKEN the session is deleted. Call before the approval. */
void outcome_identify_host(void);

/* The hooks of the authenticate transaction (txn.h): the record held by the host, and
 * RELAY_FINISHING around each request that may create the session. */
extern const struct txn_hooks outcome_hooks;

/* Deletes the session handed over on the server and removes its record (kept when TMDb
 * cannot be reached: the reaper retries); disarms the guard. PAM_SUCCESS when nothing is
 * left alive. */
int outcome_end_login(struct txn *t, const char *why);

/* After TAKEN: waits (at most HP_HOLD_TIMEOUT_MS) for the host's OUTCOME, does what it says and
 * answers with a RESULT; without one, ends the session of a host that is gone. The guard of
 * flow_authenticate is disarmed whatever happens. */
void outcome_settle(struct txn *t);

#endif
