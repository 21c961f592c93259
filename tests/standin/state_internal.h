/* SPDX-License-Identifier: BSD-3-Clause */
/* state_internal.h: what state.c shares with state_v4.c and nobody else.
 * Every function here expects the caller to hold st->mu. */
#ifndef STANDIN_STATE_INTERNAL_H
#define STANDIN_STATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

size_t state_bucket(const char *key);
/* The request token (v3 or v4) with this key, or NULL. */
struct token *state_find_token(struct state *st, const char *key);
/* Unexpired, and new or approved. */
bool state_token_live(const struct token *t);
/* Files a new token (key set) with a life of ttl seconds; approves it at once in
 * auto-approve mode. */
void state_link_token(struct state *st, struct token *t, long ttl);
/* A new session for account a (sid written), or NULL. */
struct session *state_add_session(struct state *st, const struct account *a, char sid[SESSION_HEX + 1]);

#endif
