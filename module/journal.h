/* SPDX-License-Identifier: BSD-3-Clause */
/* journal.h — the journal of live sessions under state_dir (pam_tmdb(8) "SESSION JOURNAL"):
 * one record per session handed to a login that will close it, in {state_dir}/sessions/,
 * naming the process that holds the login (pid, start time, boot id). A record whose
 * process is gone is an orphan, and its session is revoked by the reaper (reaper.h).
 *
 * The claim (sshd's split): the process that authenticates writes the record as its holder,
 * and names its parent as the process that may still take the login over. OpenSSH
 * authenticates in a child of the connection's monitor, which exits as soon as it has sent
 * the PAM environment back; the monitor then opens (and later closes) the session. The
 * monitor's open_session claims the record (holder := itself, no parent). Until then the
 * record is "being set up" while the parent lives, for at most JOURNAL_SETUP_GRACE seconds
 * after it was written, so a login is never reaped while it is being set up, and a login
 * refused in the child becomes an orphan once the connection's monitor is gone.
 *
 * Records are written atomically (safe_write_fileat), mode 0600, never through a symlink;
 * the claim writes durably (fsync): a credential request's record, removed at pam_end, never
 * waits for the disk, an open login's survives a power loss;
 * every operation is relative to the directory's descriptor. A record that cannot be read
 * (damaged, a symlink, a foreign owner, group/other access) is logged and set aside as
 * ".damaged-NAME", never fatal. The reaper and a claim lock a record (flock) before they
 * act on it, and check that the name still holds the inode they locked. */
#ifndef PAM_TMDB_JOURNAL_H
#define PAM_TMDB_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <security/pam_modules.h>

#include "credential.h"
#include "proc_id.h"

#define JOURNAL_MAGIC "pam_tmdb-journal 1"
#define JOURNAL_SUBDIR "sessions"
#define JOURNAL_MAX_BYTES 4096
/* "r-BBBBBBBB-PID-START-RRRRRRRR": the first 8 characters of the boot id, the holder's pid
 * and start time, 8 random characters. The reaper skips a record whose name names a process
 * that runs on this boot without reading it (a false match only delays a revocation: the
 * record is read, and judged, once the process is gone). */
#define JOURNAL_NAME_LEN 64
#define JOURNAL_SETUP_GRACE 600 /* seconds an unclaimed record is kept for its living parent */

struct journal {
	int dfd;                             /* {state_dir}/sessions */
	char boot[PROC_BOOT_ID_LEN + 1];     /* this boot */
};

struct journal_entry {
	char *user;
	long long since;            /* when the login authenticated (seconds since the epoch) */
	char boot[PROC_BOOT_ID_LEN + 1];
	struct proc_id holder;      /* the process that holds the login */
	struct proc_id parent;      /* pid 0 once claimed: may still take the login over */
	struct tmdb_session s;      /* session_id, and access_token after a v4 login */
};

enum journal_state { JOURNAL_ALIVE, JOURNAL_SETTING_UP, JOURNAL_ORPHAN };

/* Opens {state_dir}/sessions, creating it inside a safe state_dir (owned by root or the
 * effective user, no permission bits for others; the subdirectory gets the state_dir's group
 * and its owner/group bits). 0, or -1 (logged, unless state_dir is NULL: journal off). */
int journal_open(pam_handle_t *pamh, const char *state_dir, struct journal *j);
void journal_close(struct journal *j);

/* {state_dir}/{sub} (sessions/, accounts/) under the rules above: the descriptor, or -1 with
 * *why (static text). Shared with the enrolment records (enrol_store.h). */
int state_subdir_open(const char *state_dir, const char *sub, const char **why);

/* Records s for user, held by this process with its parent as the claimant. 0 (name set,
 * JOURNAL_NAME_LEN bytes) or -1 (logged). */
int journal_add(struct journal *j, pam_handle_t *pamh, const char *user, const struct tmdb_session *s,
		char *name);

/* Records s for user, held (claimed at once, written durably) by holder: the setgid helper's
 * record of its caller's login, which the caller will close through the helper. 0 or -1. */
int journal_add_held(struct journal *j, pam_handle_t *pamh, const char *user, const struct tmdb_session *s,
		     const struct proc_id *holder, char *name);

/* Makes this process the holder of the record (name, or when name[0] is '\0' the record of
 * session_id, whose name is then written to name). 0, or -1 (none found, or logged). */
int journal_claim(struct journal *j, pam_handle_t *pamh, const char *session_id, char *name);

/* Removes a record: by name, or when name is NULL or empty the record of session_id. */
void journal_remove(struct journal *j, pam_handle_t *pamh, const char *name, const char *session_id);

/* Calls visit for each readable record (damaged ones are logged and set aside); visit returns
 * 0 to go on, anything else stops the walk. With skip_alive, records whose name names a
 * process that runs are skipped unread (the reaper's fast path). */
typedef int (*journal_visit)(void *ctx, const char *name, const struct journal_entry *e);
int journal_walk(struct journal *j, pam_handle_t *pamh, bool skip_alive, journal_visit visit, void *ctx);

/* Locks the record name for revoking it: 0 with *e filled and *lock_fd holding the lock;
 * 1 when it is gone, replaced or locked by someone else; -1 when damaged (set aside). */
int journal_lock(struct journal *j, pam_handle_t *pamh, const char *name, struct journal_entry *e, int *lock_fd);
/* Ends a lock, removing the record first with drop. */
void journal_unlock(struct journal *j, const char *name, int lock_fd, bool drop);

enum journal_state journal_judge(const struct journal *j, const struct journal_entry *e, time_t now);

void journal_entry_clear(struct journal_entry *e);

/* For unit tests and the fuzzer: 0 or -1 (damaged). */
int journal_parse(const char *buf, size_t len, struct journal_entry *e);
/* A fresh string (wipe_free_str), NULL when out of memory. */
char *journal_format(const struct journal_entry *e);

#endif
