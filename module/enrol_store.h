/* SPDX-License-Identifier: BSD-3-Clause */
/* enrol_store.h — the enrolment records on disk: {state_dir}/accounts/{user}, one file per
 * user (enrol_record.h for its text). The directory is made like the journal's sessions/
 * (journal.h state_subdir_open: root's, the helper's group may enter, nobody else). A
 * record is written atomically (safe_write_fileat: temp file and rename, mode 0600, never
 * through a symlink) and belongs to its user: written by root, it is given to the user and
 * the directory's group, so that the setgid helper, which runs as the user, reads it; written
 * by the helper, it is the user's already. A record is read only for the user it names, and
 * only when it is a regular file with one link, mode 0600, owned by root or by that user;
 * anything else (a symlink, another owner, another mode, damaged text) is logged and taken
 * as no record. */
#ifndef PAM_TMDB_ENROL_STORE_H
#define PAM_TMDB_ENROL_STORE_H

#include <security/pam_modules.h>

#include "enrol_record.h"

#define ENROL_SUBDIR "accounts"

/* {state_dir}/accounts, created when this process owns state_dir. The descriptor, or -1
 * (logged; also when state_dir is NULL: state_dir = none). */
int enrol_dir_open(pam_handle_t *pamh, const char *state_dir);

/* user's record: 0 (*r filled), 1 (none, or unusable: logged). */
int enrol_load(pam_handle_t *pamh, int dfd, const char *user, struct enrol_record *r);

/* Writes user's record (an empty one removes it). 0, or -1 (logged). */
int enrol_save(pam_handle_t *pamh, int dfd, const char *user, const struct enrol_record *r);

/* Removes user's record: 0 removed, 1 there was none, -1 (logged). */
int enrol_remove(pam_handle_t *pamh, int dfd, const char *user);

/* The accounts enrolled for user under state_dir, for the binding (*r empty when none). */
void enrol_accounts_of(pam_handle_t *pamh, const char *state_dir, const char *user, struct enrol_record *r);

#endif
