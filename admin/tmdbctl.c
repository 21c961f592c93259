/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdbctl: global options, then a subcommand from the table below. The module's own code
 * (module/libtmdb.la) reads the configuration, the journal and talks to TMDb, so that the
 * command sees exactly what the module sees. */
#include "config.h"
#include "tmdbctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const struct subcommand {
	const char *name;
	int (*run)(const struct tmdbctl *c, int argc, char **argv);
	const char *usage;
} subcommands[] = {
	{ "check", tmdbctl_check, "check [--service NAME]   what is wrong, and the fix (also --format json, --pam-dir DIR)" },
	{ "sessions", tmdbctl_sessions, "sessions                 the journal's sessions: user, since, process, state" },
	{ "revoke", tmdbctl_revoke, "revoke --orphans          delete the sessions of logins that are gone\n"
				    "  revoke --user NAME       delete every journal session of NAME" },
};

static void usage(FILE *f)
{
	fputs("usage: tmdbctl [--conf FILE] [--state-dir DIR] COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %s\n", subcommands[i].usage);
	fputs("\nSee tmdbctl(8).\n", f);
}

int tmdbctl_load_options(const struct tmdbctl *c, struct tmdb_options *o)
{
	char *arg = NULL;
	const char *argv[1];
	int argc = 0, rc;

	if (c->conf != NULL) {
		size_t n = strlen(c->conf) + 6;
		arg = malloc(n);
		if (arg == NULL)
			return TMDBCTL_EXIT_CONFIG;
		snprintf(arg, n, "conf=%s", c->conf);
		argv[argc++] = arg;
	}
	rc = options_load(NULL, argc, argv, o);
	free(arg);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "tmdbctl: the configuration%s%s cannot be used (see above)\n", c->conf ? " " : "",
			c->conf ? c->conf : "");
		return TMDBCTL_EXIT_CONFIG;
	}
	return 0;
}

int tmdbctl_open_journal(const struct tmdbctl *c, const struct tmdb_options *o, struct journal *j)
{
	const char *dir = c->state_dir != NULL ? c->state_dir : o->state_dir;
	if (c->state_dir == NULL && o->state_dir == NULL) {
		printf("the session journal is off (state_dir = none)\n");
		return 1;
	}
	if (journal_open(NULL, dir, j) != 0) {
		fprintf(stderr, "tmdbctl: the session journal in %s cannot be used (see above)\n", dir);
		return TMDBCTL_EXIT_CONFIG;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tmdbctl c = { NULL, NULL };
	int i;

	/* the module's log lines (pam_syslog) go to the system log and, here, to stderr too */
	openlog("tmdbctl", LOG_PERROR, LOG_AUTHPRIV);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return TMDBCTL_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("tmdbctl (pam_tmdb) %s\n", PACKAGE_VERSION);
			return TMDBCTL_EXIT_OK;
		} else if (strcmp(argv[i], "--conf") == 0 && i + 1 < argc) {
			c.conf = argv[++i];
		} else if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc) {
			c.state_dir = argv[++i];
		} else {
			fprintf(stderr, "tmdbctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return TMDBCTL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return TMDBCTL_EXIT_USAGE;
	}
	for (size_t k = 0; k < sizeof(subcommands) / sizeof(subcommands[0]); k++)
		if (strcmp(argv[i], subcommands[k].name) == 0)
			return subcommands[k].run(&c, argc - i - 1, argv + i + 1);
	fprintf(stderr, "tmdbctl: unknown command %s\n", argv[i]);
	usage(stderr);
	return TMDBCTL_EXIT_USAGE;
}
