/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdbctl sessions: the journal's records, one line each: user, since, process, state. Never
 * a session id. */
#include "config.h"
#include "tmdbctl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct listing {
	const struct journal *j;
	time_t now;
	int n;
};

static const char *state_name(enum journal_state s)
{
	switch (s) {
	case JOURNAL_ALIVE:
		return "alive";
	case JOURNAL_SETTING_UP:
		return "setting-up";
	default:
		return "orphan";
	}
}

static int list_one(void *ctx, const char *name, const struct journal_entry *e)
{
	struct listing *l = ctx;
	char since[32] = "?";
	time_t t = (time_t)e->since;
	struct tm tm;
	(void)name;
	if (localtime_r(&t, &tm) != NULL)
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", &tm);
	if (l->n++ == 0)
		printf("%-16s %-19s %8s  %s\n", "USER", "SINCE", "PROCESS", "STATE");
	/* the user name was checked for control characters when the record was read */
	printf("%-16s %-19s %8ld  %s%s\n", e->user, since, (long)e->holder.pid, state_name(journal_judge(l->j, e, l->now)),
	       strcmp(e->boot, l->j->boot) != 0 ? " (previous boot)" : "");
	return 0;
}

int tmdbctl_sessions(const struct tmdbctl *c, int argc, char **argv)
{
	struct tmdb_options o = { 0 };
	struct journal j;
	struct listing l;
	bool loaded = false;
	int rc;

	if (argc != 0) {
		fprintf(stderr, "tmdbctl sessions: unexpected argument %s\nusage: tmdbctl sessions\n", argv[0]);
		return TMDBCTL_EXIT_USAGE;
	}
	if (c->state_dir == NULL) {
		rc = tmdbctl_load_options(c, &o);
		if (rc != 0)
			return rc;
		loaded = true;
	}
	rc = tmdbctl_open_journal(c, &o, &j);
	if (loaded)
		options_free(&o);
	if (rc != 0)
		return rc == 1 ? TMDBCTL_EXIT_OK : rc;
	l.j = &j;
	l.now = time(NULL);
	l.n = 0;
	journal_walk(&j, NULL, false, list_one, &l);
	journal_close(&j);
	if (l.n == 0)
		printf("no sessions in the journal\n");
	return TMDBCTL_EXIT_OK;
}
