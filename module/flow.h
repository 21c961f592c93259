/* SPDX-License-Identifier: BSD-3-Clause */
/* flow.h — what each PAM entry point does, once its transaction is open: the login (a
 * remembered session in trusted-device mode, else request token, approval and session of the
 * configured flow, bound to the user and handed over), the account check, the re-export of the
 * credential and the logout. The units below it each do one step: binding, approval
 * (flow_v4 for v4), the remembered sessions (cache), the hand-over (session), the TMDb calls. */
#ifndef PAM_TMDB_FLOW_H
#define PAM_TMDB_FLOW_H

#include "txn.h"

/* pam_sm_authenticate's work. PAM_SUCCESS with the credential handed over; PAM_IGNORE (out of
 * scope, no request sent); otherwise the refusal, with *refused_as (free()) naming the TMDb
 * account that approved but may not stand for the user, when that was why. */
int flow_authenticate(struct txn *t, char **refused_as);

/* Enrolment's approval (enrol.h): the host's return address taken as for a login, then a fresh
 * approval of the configured flow (never a remembered session), the approving account read
 * into *acct (tmdb_account_clear), and the credential deleted on the server at once: nothing
 * is handed over. PAM_SUCCESS, or the refusal. */
int flow_approve_account(struct txn *t, struct tmdb_account *acct);

/* pam_sm_acct_mgmt's work: this login's (or the remembered) session must still be accepted by
 * TMDb for an account bound to the user. PAM_SUCCESS, PAM_IGNORE (out of scope),
 * PAM_PERM_DENIED, or the error of the check. */
int flow_account(struct txn *t);

/* setcred (establish, reinitialise, refresh) and open_session: (re)exports this login's session,
 * else the remembered one; nothing known is not a failure (sshd drops the connection when setcred
 * fails). */
int flow_reexport(struct txn *t);

/* open_session's work: flow_reexport, then this process holds the login's journal record
 * (lifetime.h), unless the login keeps its session. */
int flow_open_session(struct txn *t);

/* close_session's work: with logout_on_close, this login's own session (never the remembered
 * one, never another login's) is ended on the server and forgotten. Failures are logged and
 * never block the logout. */
void flow_logout(struct txn *t);

#endif
