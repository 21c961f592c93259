/* SPDX-License-Identifier: BSD-3-Clause */
/* reaper.h — revoking the sessions the journal holds for logins that are gone (orphans, see
 * journal.h), or every session of one user (tmdbctl revoke --user). A record is removed only
 * once its session is gone on the server: when TMDb cannot be reached it stays for the next
 * run. Records another reaper holds are skipped. */
#ifndef PAM_TMDB_REAPER_H
#define PAM_TMDB_REAPER_H

#include "journal.h"
#include "tmdb_api.h"

struct reap_result {
	int revoked; /* sessions deleted on the server, records removed */
	int kept;    /* revoking failed: records kept for the next run */
	int left;    /* orphans beyond max, left for the next run */
};

/* user NULL: the orphans; else every record of that user. max: at most that many revoked
 * (0: no limit). spare: NULL, or the name of a record left alone (the authenticating login's
 * own, which pam_tmdb_helper records held by its caller and ends itself if the caller is
 * gone). Each revocation is logged (user, process; never the session id). */
void reaper_run(struct journal *j, struct tmdb_client *api, const char *user, int max, const char *spare,
		struct reap_result *r);

#endif
