/* SPDX-License-Identifier: BSD-3-Clause */
/* enrol.h — self-service enrolment (pam_tmdb(8) "SELF-SERVICE ENROLMENT"): a service whose
 * pam_tmdb line has the module argument "enroll" never signs anyone in; its authenticate does
 * what tmdb-login asked in the PAM environment (TMDB_ENROLL_ENV, enrol_record.h):
 *
 *   enroll    a fresh approval; the approving account's id is added to the user's record
 *             (enrol_store.h) and the session that proved it is deleted at once
 *   unenroll  the user's record is removed (no approval, no request)
 *   show      the record's accounts are told (no request)
 *
 * Only with self_enroll = yes (else refused, for root too, with a message naming the key),
 * and only for the caller's own account, or any account when the caller is root
 * (getuid() 0; a root-run enrolment of another user shows the QR code, for that user's
 * phone). Through the helper, the helper runs this for its caller (pam_tmdb_helper(8)). */
#ifndef PAM_TMDB_ENROL_H
#define PAM_TMDB_ENROL_H

#include <stdbool.h>

#include "enrol_args.h"
#include "txn.h"

/* pam_sm_authenticate's work in a service that enrols (t->opts.enroll). Tells the user the
 * outcome in one message. PAM_SUCCESS (done), PAM_PERM_DENIED (self_enroll = no, another
 * user, 8 accounts already), PAM_AUTH_ERR (no action, or not approved), or the error. */
int enrol_run(struct txn *t);

#endif
