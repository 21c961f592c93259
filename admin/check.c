/* SPDX-License-Identifier: BSD-3-Clause */
/* check.c — `tmdbctl check`: its options, then the parts in order (services first: they give
 * --service's arguments, which decide the config file), then the report. Exit 0 when no
 * error was found (a login could work), 1 otherwise. */
#include "config.h"
#include "tmdbctl.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "wipe.h"

#ifndef PAM_TMDB_HELPER_PATH
#define PAM_TMDB_HELPER_PATH "/usr/libexec/pam_tmdb/pam_tmdb_helper"
#endif

static int usage(void)
{
	fputs("usage: tmdbctl [--conf FILE] check [--service NAME] [--format text|json] [--pam-dir DIR] [--helper PATH]\n",
	      stderr);
	return TMDBCTL_EXIT_USAGE;
}

/* The config file the module reads for these arguments: --conf, else the service's conf=,
 * else the default (which may be absent). */
static void choose_conf(struct check *c, const struct tmdbctl *t)
{
	c->conf = TMDB_DEFAULT_CONF;
	c->conf_must_exist = false;
	for (int i = 0; i < c->argc; i++) {
		if (strncmp(c->argv[i], "conf=", 5) == 0) {
			c->conf = c->argv[i] + 5;
			c->conf_must_exist = true;
		}
	}
	if (t->conf != NULL) {
		c->conf = t->conf;
		c->conf_must_exist = true;
	}
	if (c->conf[0] != '/')
		check_add(c, CHECK_ERROR, "config", c->args_file, c->args_line, "conf", "give conf= an absolute path",
			  "conf: must be an absolute path");
}

int tmdbctl_check(const struct tmdbctl *t, int argc, char **argv)
{
	struct check c;
	bool json = false;
	int rc;

	memset(&c, 0, sizeof(c));
	c.pam_dir = "/etc/pam.d";
	c.helper = PAM_TMDB_HELPER_PATH;
	for (int i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--service") == 0)
			c.service = argv[++i];
		else if (strcmp(argv[i], "--pam-dir") == 0)
			c.pam_dir = argv[++i];
		else if (strcmp(argv[i], "--helper") == 0)
			c.helper = argv[++i], c.helper_given = true;
		else if (strcmp(argv[i], "--format") == 0 && strcmp(argv[i + 1], "json") == 0)
			json = true, i++;
		else if (strcmp(argv[i], "--format") == 0 && strcmp(argv[i + 1], "text") == 0)
			json = false, i++;
		else
			return usage();
	}
	if (c.service != NULL && (c.service[0] == '\0' || c.service[0] == '.' || strchr(c.service, '/') != NULL))
		return usage();
	/* the module's log lines go to the system log only; what they say is in the report */
	closelog();
	openlog("tmdbctl", 0, LOG_AUTHPRIV);

	check_services(&c);
	choose_conf(&c, t);
	check_config(&c);
	check_files(&c);
	check_user_map(&c);
	check_network(&c);

	if (json)
		check_print_json(&c, stdout);
	else
		check_print_text(&c, stdout);
	rc = check_count(&c, CHECK_ERROR) == 0 ? TMDBCTL_EXIT_OK : TMDBCTL_EXIT_FAILED;
	options_free(&c.o);
	check_report_free(&c.r);
	for (int i = 0; i < c.argc; i++)
		free(c.argv[i]);
	free(c.argv);
	free(c.args_file);
	free(c.helper_conf);
	return rc;
}
