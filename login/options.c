/* SPDX-License-Identifier: BSD-3-Clause */
/* options.c — the command line of tmdb-login. Everything after --exec is the command. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "login.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SERVICE "tmdb"
#define DEFAULT_ENROL_SERVICE "tmdb-enroll"
#define DEFAULT_POLL_S 5
#define DEFAULT_TIMEOUT_S 300

static const char usage_text[] =
	"Usage: tmdb-login [OPTION]... [--exec CMD [ARG]...]\n"
	"Signs in with TMDb through the PAM service (default \"tmdb\") and hands over the session.\n"
	"\n"
	"  --service NAME        PAM service to run (default tmdb)\n"
	"  --user NAME           local user to sign in (default: the invoking user)\n"
	"  --confdir DIR         read the PAM service from DIR instead of /etc/pam.d\n"
	"                        (for tests and demos)\n"
	"  --format shell|json|env  print the session on stdout in this format\n"
	"                        (default: shell when stdout is not a terminal; on a terminal\n"
	"                        nothing secret is printed without --format)\n"
	"  --exec CMD [ARG]...   run CMD with TMDB_SESSION_ID, TMDB_ACCOUNT_ID and\n"
	"                        TMDB_ACCOUNT_USERNAME in its environment; close the PAM\n"
	"                        session (which deletes the TMDb session) when it ends\n"
	"  --keep                with --exec: leave the session alive\n"
	"  --no-browser          never open a browser\n"
	"  --ipv6                listen for the browser's return on [::1] (default 127.0.0.1)\n"
	"  --no-listen           do not offer a return address to the module\n"
	"  --poll-interval SECS  while waiting at the return prompt, let the module ask TMDb\n"
	"                        every SECS seconds (default 5)\n"
	"  --timeout SECS        close the return listener after SECS seconds (default 300,\n"
	"                        as the module's approval_timeout)\n"
	"  --quiet               no progress messages of tmdb-login's own\n"
	"  --enroll              bind the TMDb account that approves to the user (needs\n"
	"                        self_enroll = yes; PAM service tmdb-enroll unless --service)\n"
	"  --unenroll            remove the user's enrolled TMDb accounts\n"
	"  --enrolled            show the user's enrolled TMDb accounts\n"
	"  --help, --version\n"
	"\n"
	"Exit status: 0 signed in (with --exec: the command's status), 1 refused or denied,\n"
	"2 usage error, 3 TMDb unreachable, 4 service or configuration error,\n"
	"5 no answer, 6 the session could not be printed. See tmdb-login(1).\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tmdb-login: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'tmdb-login --help'.\n", stderr);
	return EXIT_USAGE;
}

/* A whole number of seconds in [1, max]. */
static int parse_seconds(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_format(const char *s, enum login_format *out)
{
	if (strcmp(s, "shell") == 0)
		*out = FORMAT_SHELL;
	else if (strcmp(s, "json") == 0)
		*out = FORMAT_JSON;
	else if (strcmp(s, "env") == 0)
		*out = FORMAT_ENV;
	else
		return -1;
	return 0;
}

enum { OPT_SERVICE = 256, OPT_USER, OPT_CONFDIR, OPT_FORMAT, OPT_EXEC, OPT_KEEP, OPT_NO_BROWSER,
       OPT_IPV6, OPT_NO_LISTEN, OPT_POLL, OPT_TIMEOUT, OPT_QUIET, OPT_HELP, OPT_VERSION, OPT_ENROL,
       OPT_UNENROL, OPT_ENROLLED };

static const struct option long_opts[] = {
	{ "service", required_argument, NULL, OPT_SERVICE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "confdir", required_argument, NULL, OPT_CONFDIR },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "exec", no_argument, NULL, OPT_EXEC },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "no-browser", no_argument, NULL, OPT_NO_BROWSER },
	{ "ipv6", no_argument, NULL, OPT_IPV6 },
	{ "no-listen", no_argument, NULL, OPT_NO_LISTEN },
	{ "poll-interval", required_argument, NULL, OPT_POLL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "enroll", no_argument, NULL, OPT_ENROL },
	{ "unenroll", no_argument, NULL, OPT_UNENROL },
	{ "enrolled", no_argument, NULL, OPT_ENROLLED },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

int login_parse_options(int argc, char **argv, struct login_opts *o)
{
	bool exec_seen = false, format_seen = false, service_seen = false;
	int c;

	memset(o, 0, sizeof *o);
	o->service = DEFAULT_SERVICE;
	o->poll_interval_s = DEFAULT_POLL_S;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	opterr = 0;
	/* "+": stop at the first non-option, so that the command's own options stay its own */
	while (!exec_seen && (c = getopt_long(argc, argv, "+", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SERVICE:
			if (*optarg == '\0' || strchr(optarg, '/') != NULL)
				return usage_error("--service: not a service name: '%s'", optarg);
			o->service = optarg;
			service_seen = true;
			break;
		case OPT_USER:
			if (*optarg == '\0')
				return usage_error("--user: an empty name");
			o->user = optarg;
			break;
		case OPT_CONFDIR:
			o->confdir = optarg;
			break;
		case OPT_FORMAT:
			if (parse_format(optarg, &o->format) != 0)
				return usage_error("--format: expected shell, json or env, not '%s'", optarg);
			format_seen = true;
			break;
		case OPT_EXEC:
			exec_seen = true;
			break;
		case OPT_KEEP: o->keep = true; break;
		case OPT_NO_BROWSER: o->no_browser = true; break;
		case OPT_IPV6: o->ipv6 = true; break;
		case OPT_NO_LISTEN: o->no_listen = true; break;
		case OPT_QUIET: o->quiet = true; break;
		case OPT_ENROL:
		case OPT_UNENROL:
		case OPT_ENROLLED: {
			const char *action = c == OPT_ENROL ? "enroll" : c == OPT_UNENROL ? "unenroll" : "show";
			if (o->enrol_action != NULL && strcmp(o->enrol_action, action) != 0)
				return usage_error("--enroll, --unenroll and --enrolled exclude each other");
			o->enrol_action = action;
			break;
		}
		case OPT_POLL:
			if (parse_seconds(optarg, 3600, &o->poll_interval_s) != 0)
				return usage_error("--poll-interval: expected 1 to 3600 seconds, not '%s'", optarg);
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, 86400, &o->timeout_s) != 0)
				return usage_error("--timeout: expected 1 to 86400 seconds, not '%s'", optarg);
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			return -1;
		case OPT_VERSION:
			printf("tmdb-login (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return -1;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (exec_seen) {
		if (optind < argc && strcmp(argv[optind], "--") == 0)
			optind++;
		if (optind >= argc)
			return usage_error("--exec needs a command");
		o->exec_argv = argv + optind;
		if (format_seen)
			return usage_error("--format and --exec exclude each other");
	} else if (optind < argc) {
		return usage_error("unexpected argument '%s' (a command goes after --exec)", argv[optind]);
	} else if (o->keep) {
		return usage_error("--keep only goes with --exec");
	}
	if (o->enrol_action != NULL) {
		/* enrolment hands no session over: nothing to print or run */
		if (exec_seen || format_seen)
			return usage_error("--%s hands no session over: it excludes --exec and --format",
					   strcmp(o->enrol_action, "show") == 0 ? "enrolled" : o->enrol_action);
		if (!service_seen)
			o->service = DEFAULT_ENROL_SERVICE;
	}
	return 0;
}
