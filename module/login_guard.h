/* SPDX-License-Identifier: BSD-3-Clause */
/* login_guard.h — what becomes of the session this process handed over when the host ends
 * the transaction (pam_end) without closing it. Kept as module data, whose cleanup sees
 * pam_end's status:
 *
 * - an error status: the login did not go on (another module's account check refused it, or
 *   the host gave up), so the session is revoked on the server and its journal record
 *   removed (kept when TMDb cannot be reached: the reaper revokes it once this process is
 *   gone);
 * - PAM_SUCCESS: the host keeps the session (a credential request, or a host that ends the
 *   transaction with its session open, like tmdb-login --keep): the record is removed, the
 *   session stays.
 *
 * Only in the process that armed it (a forked child's pam_end is not the login's end), and
 * never for a remembered session (reuse_session=yes), which is never armed. The cleanup runs
 * inside pam_end, where other module data may already be freed: it reads the configuration
 * again and uses a connection of its own, never pam_get_data. */
#ifndef PAM_TMDB_LOGIN_GUARD_H
#define PAM_TMDB_LOGIN_GUARD_H

#include <security/pam_modules.h>

#include "credential.h"

#define LOGIN_GUARD_DATA_NAME "pam_tmdb_login_guard"

/* Arms (or re-arms) the guard for s: argc/argv are the entry point's module arguments (to read
 * the configuration again), state_dir the journal's directory (NULL: off), record the
 * journal record's name ("" or NULL: none). PAM_SUCCESS or PAM_BUF_ERR (or pam_set_data's). */
int login_guard_arm(pam_handle_t *pamh, int argc, const char **argv, const char *state_dir,
		    const struct tmdb_session *s, const char *record);

/* The record name of this process's guard ("" when none), copied into name
 * (JOURNAL_NAME_LEN bytes). */
void login_guard_record(pam_handle_t *pamh, char *name);

/* Disarms: the login closed (or the record is someone else's now). */
void login_guard_disarm(pam_handle_t *pamh);

#endif
