/* SPDX-License-Identifier: BSD-3-Clause */
/* serve.h — one request of the module, run with the module's own code (txn.h, flow.h) on a PAM
 * handle of the helper's own whose conversation is the relay (relay.h), under the rules of
 * helper(8): the caller's own account only, settings from root's files only, module arguments
 * only for the presentation keys, no remembered sessions. */
#ifndef PAM_TMDB_HELPER_SERVE_H
#define PAM_TMDB_HELPER_SERVE_H

#include "helper_proto.h"

/* Checks the request beyond its syntax (names, items, arguments): 0, or -1 (logged). */
int serve_check_request(const struct hp_request *req);

/* Runs it and sends the result. For a session handed over it waits for TAKEN (deleting the
 * session on the server without it), then for the login's OUTCOME (helper_proto.h), and does
 * what that says; without one, a host that is gone has its session deleted. Returns the PAM
 * code sent. */
int serve(const struct hp_request *req);

#endif
