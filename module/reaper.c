/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "reaper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "revoke.h"

#define REAP_BATCH 256 /* names gathered per walk; the rest waits for the next run */

struct gather {
	const struct journal *j;
	const char *user;
	const char *spare;
	time_t now;
	char (*names)[JOURNAL_NAME_LEN];
	int n;
	int extra;
};

static bool wanted(const struct gather *g, const struct journal_entry *e)
{
	if (g->user != NULL)
		return strcmp(e->user, g->user) == 0;
	return journal_judge(g->j, e, g->now) == JOURNAL_ORPHAN;
}

static int gather_visit(void *ctx, const char *name, const struct journal_entry *e)
{
	struct gather *g = ctx;
	if ((g->spare != NULL && strcmp(name, g->spare) == 0) || !wanted(g, e))
		return 0;
	if (g->n >= REAP_BATCH) {
		g->extra++;
		return 0;
	}
	snprintf(g->names[g->n++], JOURNAL_NAME_LEN, "%s", name);
	return 0;
}

void reaper_run(struct journal *j, struct tmdb_client *api, const char *user, int max, const char *spare,
		struct reap_result *r)
{
	struct gather g = { j, user, spare, time(NULL), NULL, 0, 0 };

	memset(r, 0, sizeof(*r));
	g.names = calloc(REAP_BATCH, sizeof(*g.names));
	if (g.names == NULL)
		return;
	/* orphans only: records of running processes are skipped by their name, unread */
	journal_walk(j, api->pamh, user == NULL, gather_visit, &g);
	r->left = g.extra;
	for (int i = 0; i < g.n; i++) {
		struct journal_entry e;
		int fd = -1, rc;
		if (max > 0 && r->revoked + r->kept >= max) {
			r->left += g.n - i;
			break;
		}
		/* judged again under the lock: it may have been claimed or removed meanwhile */
		if (journal_lock(j, api->pamh, g.names[i], &e, &fd) != 0)
			continue;
		if (!wanted(&g, &e)) {
			journal_unlock(j, g.names[i], fd, false);
			journal_entry_clear(&e);
			continue;
		}
		rc = revoke_credential(api, &e.s, user != NULL ? "tmdbctl revoke --user" : "orphaned session");
		if (rc == PAM_SUCCESS) {
			r->revoked++;
			pam_syslog(api->pamh, LOG_NOTICE, "revoked the TMDb session of %s (pid %ld, login at %lld%s)",
				   e.user, (long)e.holder.pid, e.since, user != NULL ? "" : ", gone");
		} else {
			r->kept++;
		}
		journal_unlock(j, g.names[i], fd, rc == PAM_SUCCESS);
		journal_entry_clear(&e);
	}
	free(g.names);
}
