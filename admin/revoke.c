/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdbctl revoke --orphans | --user NAME: the reaper of the module (module/reaper.c) on
 * demand, over a connection of its own. */
#include "config.h"
#include "tmdbctl.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "reaper.h"

int tmdbctl_revoke(const struct tmdbctl *c, int argc, char **argv)
{
	struct tmdb_options o;
	struct tmdb_client api = { NULL, NULL, NULL };
	struct reap_result r;
	struct journal j;
	const char *user = NULL;
	int rc;

	if (argc == 1 && strcmp(argv[0], "--orphans") == 0)
		user = NULL;
	else if (argc == 2 && strcmp(argv[0], "--user") == 0 && argv[1][0] != '\0')
		user = argv[1];
	else {
		fprintf(stderr, "usage: tmdbctl revoke --orphans | --user NAME\n");
		return TMDBCTL_EXIT_USAGE;
	}
	rc = tmdbctl_load_options(c, &o);
	if (rc != 0)
		return rc;
	rc = tmdbctl_open_journal(c, &o, &j);
	if (rc != 0) {
		options_free(&o);
		return rc == 1 ? TMDBCTL_EXIT_OK : rc;
	}
	api.o = &o;
	if (http_client_open(NULL, &o, &api.http) != PAM_SUCCESS) {
		journal_close(&j);
		options_free(&o);
		return TMDBCTL_EXIT_CONFIG;
	}
	reaper_run(&j, &api, user, 0, NULL, &r);
	http_client_close(api.http);
	journal_close(&j);
	options_free(&o);
	printf("revoked %d session%s", r.revoked, r.revoked == 1 ? "" : "s");
	if (r.kept > 0 || r.left > 0)
		printf("; %d left in the journal for the next run (TMDb could not be reached)", r.kept + r.left);
	printf("\n");
	return r.kept > 0 || r.left > 0 ? TMDBCTL_EXIT_FAILED : TMDBCTL_EXIT_OK;
}
