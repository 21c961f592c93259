/* SPDX-License-Identifier: BSD-3-Clause */
/* lifetime.h — no session outlives its login (pam_tmdb(8) "SESSION JOURNAL"): the steps the
 * entry points take so that a session handed to a login is deleted on the server when the
 * login is refused after authenticate (login_guard.h), and revoked by the next
 * authentication on the host when the login's processes are gone (journal.h, reaper.h).
 * Sessions the login keeps (logout_on_close=no, a remembered session) are never recorded. */
#ifndef PAM_TMDB_LIFETIME_H
#define PAM_TMDB_LIFETIME_H

#include "credential.h"
#include "txn.h"

/* authenticate, before s is handed over: records s in the journal (logout_on_close=yes) and
 * arms the guard (unless s is the remembered session). Failures are logged, never fatal. */
void lifetime_track(struct txn *t, const struct tmdb_session *s);

/* authenticate, after its own steps: revokes at most a few orphans (when the transaction's
 * client was created: an out-of-scope user sends nothing). */
void lifetime_reap(struct txn *t);

/* open_session, for s (this login's session, not a remembered one, logout_on_close=yes): this
 * process holds the login from now on (it will close it): claims the journal record of s,
 * written in this process or in the one that authenticated, and arms the guard here. */
void lifetime_opened(struct txn *t, const struct tmdb_session *s);

/* close_session, after the logout's revocation (revoked: the session is gone on the server):
 * the record goes, and the guard is disarmed either way (a failed revocation leaves the
 * record to the reaper). */
void lifetime_closed(struct txn *t, const struct tmdb_session *s, bool revoked);

#endif
