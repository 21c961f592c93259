/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb-host command line. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: tmdb-host --confdir DIR|--no-confdir --service NAME --user USER|--no-user [options] OP...\n"
	"OPs (run in order on one handle): authenticate acct_mgmt setcred setcred:reinit\n"
	"  setcred:refresh setcred:delete open_session close_session chauthtok\n"
	"  end (pam_end + new pam_start) end:keep-env (same, PAM environment carried over) env\n"
	"  spawn:CMD (fork, then exec /bin/sh -c CMD without closing descriptors, as su and login\n"
	"  start the user's shell; waits for it: PAM_SUCCESS when it exits 0)\n"
	"  end (pam_end + new pam_start) end:keep-env (same, PAM environment carried over)\n"
	"  end:abort (pam_end(PAM_ABORT) + new pam_start) env stop (SIGSTOP to itself)\n"
	"options:\n"
	"  --silent                 PAM_SILENT on every op\n"
	"  --keep-going             do not stop at the first failing op\n"
	"  --set-env NAME=VALUE     pam_putenv on every new handle before the ops (repeatable)\n"
	"  --rhost HOST             PAM_RHOST on every new handle (as sshd sets it)\n"
	"  --set-item NAME=VALUE    pam_set_item on every new handle before the ops, as a host\n"
	"                           would: NAME is TTY, XDISPLAY, RHOST or RUSER (repeatable)\n"
	"  --answer TEXT            next prompt's answer (repeatable; then \"\")\n"
	"  --conv-fail              conversation returns PAM_CONV_ERR\n"
	"  --no-conv                struct pam_conv with a NULL function\n"
	"  --max-prompts-abort N    PAM_CONV_ERR after N prompts per transaction (default 50, 0 = no limit)\n"
	"  --approve-as NAME        approve seen URLs at <url path>/allow?user=NAME\n"
	"  --deny                   deny seen URLs at <url path>/deny\n"
	"  --approve-after N        approve before the (N+1)-th prompt after the URL (default 0)\n"
	"  --approve-delay-ms MS    poll mode: delay before the background approval (default 0)\n"
	"  --approve-mode MODE      auto (default: poll if no prompt follows the URL in its call),\n"
	"                           prompt, or poll\n"
	"  --cafile FILE            CA bundle for the approval request\n"
	"  --repeat N               run the op list N times, one transaction each; summary output\n"
	"  --threads T              T threads each doing --repeat transactions; summary output\n"
	"  --verbose                with --repeat/--threads: per-transaction events too\n"
	"  --fork-during-threads K  while the threads run, fork K times from the main thread; each\n"
	"                           child runs the op list once (quiet, no approval) and exits with\n"
	"                           its result; one fork_child event per child\n"
	"  --fork-interval-ms MS    spacing of those forks (default 5)\n"
	"  --fork-timeout SECONDS   kill a child still running after SECONDS (default 30)\n";

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_op(const char *s, struct host_op *op)
{
	static const struct {
		const char *name;
		enum op_kind kind;
		int flags;
	} table[] = {
		{"authenticate", OP_AUTHENTICATE, 0},
		{"acct_mgmt", OP_ACCT_MGMT, 0},
		{"setcred", OP_SETCRED, PAM_ESTABLISH_CRED},
		{"setcred:establish", OP_SETCRED, PAM_ESTABLISH_CRED},
		{"setcred:reinit", OP_SETCRED, PAM_REINITIALIZE_CRED},
		{"setcred:refresh", OP_SETCRED, PAM_REFRESH_CRED},
		{"setcred:delete", OP_SETCRED, PAM_DELETE_CRED},
		{"open_session", OP_OPEN_SESSION, 0},
		{"close_session", OP_CLOSE_SESSION, 0},
		{"chauthtok", OP_CHAUTHTOK, 0},
		{"end", OP_END, 0},
		{"end:keep-env", OP_END_KEEPENV, 0},
		/* the host gives up: pam_end with an error status (flags holds it) */
		{"end:abort", OP_END, PAM_ABORT},
		{"env", OP_ENV, 0},
		/* SIGSTOP to itself, so that a test can look at a login that is open, or kill it */
		{"stop", OP_STOP, 0},
	};
	op->in_child = 0;
	op->command = NULL;
	if (strncmp(s, "spawn:", 6) == 0 && s[6] != '\0') {
		op->name = "spawn";
		op->kind = OP_SPAWN;
		op->flags = 0;
		op->command = s + 6;
		return 0;
	}
	if (strncmp(s, "fork:", 5) == 0 && strncmp(s + 5, "fork:", 5) != 0) {
		const char *name = s;
		if (parse_op(s + 5, op) != 0 || op->kind == OP_END || op->kind == OP_END_KEEPENV || op->kind == OP_ENV ||
		    op->kind == OP_SPAWN || op->kind == OP_STOP)
			return -1;
		op->name = name;
		op->in_child = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strcmp(s, table[i].name) == 0) {
			op->name = table[i].name;
			op->kind = table[i].kind;
			op->flags = table[i].flags;
			return 0;
		}
	}
	return -1;
}

int host_item_type(const char *name_value)
{
	static const struct {
		const char *name;
		int type;
	} items[] = {
		{"TTY=", PAM_TTY},
		{"XDISPLAY=", PAM_XDISPLAY},
		{"RHOST=", PAM_RHOST},
		{"RUSER=", PAM_RUSER},
	};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		if (strncmp(name_value, items[i].name, strlen(items[i].name)) == 0)
			return items[i].type;
	return -1;
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "tmdb-host: %s%s%s\n%s", what, arg ? ": " : "", arg ? arg : "", usage_text);
	return 2;
}

int host_parse_options(int argc, char **argv, struct host_opts *o)
{
	enum {
		O_CONFDIR = 256, O_NO_CONFDIR, O_SERVICE, O_USER, O_NO_USER, O_SILENT, O_KEEP_GOING,
		O_SET_ENV, O_RHOST, O_SET_ITEM, O_ANSWER, O_CONV_FAIL, O_NO_CONV, O_MAX_PROMPTS, O_APPROVE_AS, O_DENY,
		O_APPROVE_AFTER, O_APPROVE_DELAY, O_APPROVE_MODE, O_CAFILE, O_REPEAT, O_THREADS,
		O_VERBOSE, O_FORK_DURING, O_FORK_INTERVAL, O_FORK_TIMEOUT, O_HELP
	};
	static const struct option longopts[] = {
		{"confdir", required_argument, NULL, O_CONFDIR},
		{"no-confdir", no_argument, NULL, O_NO_CONFDIR},
		{"service", required_argument, NULL, O_SERVICE},
		{"user", required_argument, NULL, O_USER},
		{"no-user", no_argument, NULL, O_NO_USER},
		{"silent", no_argument, NULL, O_SILENT},
		{"keep-going", no_argument, NULL, O_KEEP_GOING},
		{"set-env", required_argument, NULL, O_SET_ENV},
		{"rhost", required_argument, NULL, O_RHOST},
		{"set-item", required_argument, NULL, O_SET_ITEM},
		{"answer", required_argument, NULL, O_ANSWER},
		{"conv-fail", no_argument, NULL, O_CONV_FAIL},
		{"no-conv", no_argument, NULL, O_NO_CONV},
		{"max-prompts-abort", required_argument, NULL, O_MAX_PROMPTS},
		{"approve-as", required_argument, NULL, O_APPROVE_AS},
		{"deny", no_argument, NULL, O_DENY},
		{"approve-after", required_argument, NULL, O_APPROVE_AFTER},
		{"approve-delay-ms", required_argument, NULL, O_APPROVE_DELAY},
		{"approve-mode", required_argument, NULL, O_APPROVE_MODE},
		{"cafile", required_argument, NULL, O_CAFILE},
		{"repeat", required_argument, NULL, O_REPEAT},
		{"threads", required_argument, NULL, O_THREADS},
		{"verbose", no_argument, NULL, O_VERBOSE},
		{"fork-during-threads", required_argument, NULL, O_FORK_DURING},
		{"fork-interval-ms", required_argument, NULL, O_FORK_INTERVAL},
		{"fork-timeout", required_argument, NULL, O_FORK_TIMEOUT},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int have_user = 0, c;

	memset(o, 0, sizeof *o);
	o->max_prompts = 50;
	o->repeat = 1;
	o->threads = 1;
	o->approve_mode = APPROVE_AUTO;
	o->fork_interval_ms = 5;
	o->fork_timeout = 30;
	o->answers = calloc((size_t)argc + 1, sizeof *o->answers);
	o->set_env = calloc((size_t)argc + 1, sizeof *o->set_env);
	o->set_item = calloc((size_t)argc + 1, sizeof *o->set_item);
	o->ops = calloc((size_t)argc + 1, sizeof *o->ops);
	if (!o->answers || !o->set_env || !o->set_item || !o->ops) {
		fprintf(stderr, "tmdb-host: out of memory\n");
		return 2;
	}

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONFDIR: o->confdir = optarg; break;
		case O_NO_CONFDIR: o->no_confdir = 1; break;
		case O_SERVICE: o->service = optarg; break;
		case O_USER: o->user = optarg; have_user = 1; break;
		case O_NO_USER: o->user = NULL; have_user = 1; break;
		case O_SILENT: o->silent = 1; break;
		case O_KEEP_GOING: o->keep_going = 1; break;
		case O_SET_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return usage_error("--set-env needs NAME=VALUE", optarg);
			o->set_env[o->n_set_env++] = optarg;
			break;
		case O_RHOST: o->rhost = optarg; break;
		case O_SET_ITEM:
			if (host_item_type(optarg) < 0)
				return usage_error("--set-item needs TTY, XDISPLAY, RHOST or RUSER =VALUE", optarg);
			o->set_item[o->n_set_item++] = optarg;
			break;
		case O_ANSWER: o->answers[o->n_answers++] = optarg; break;
		case O_CONV_FAIL: o->conv_fail = 1; break;
		case O_NO_CONV: o->no_conv = 1; break;
		case O_MAX_PROMPTS:
			if (parse_ulong(optarg, &o->max_prompts))
				return usage_error("bad --max-prompts-abort", optarg);
			break;
		case O_APPROVE_AS: o->approve_as = optarg; break;
		case O_DENY: o->deny = 1; break;
		case O_APPROVE_AFTER:
			if (parse_ulong(optarg, &o->approve_after))
				return usage_error("bad --approve-after", optarg);
			break;
		case O_APPROVE_DELAY:
			if (parse_ulong(optarg, &o->approve_delay_ms) || o->approve_delay_ms > 3600000UL)
				return usage_error("bad --approve-delay-ms", optarg);
			break;
		case O_APPROVE_MODE:
			if (strcmp(optarg, "auto") == 0)
				o->approve_mode = APPROVE_AUTO;
			else if (strcmp(optarg, "prompt") == 0)
				o->approve_mode = APPROVE_PROMPT;
			else if (strcmp(optarg, "poll") == 0)
				o->approve_mode = APPROVE_POLL;
			else
				return usage_error("bad --approve-mode", optarg);
			break;
		case O_CAFILE: o->cafile = optarg; break;
		case O_REPEAT:
			if (parse_ulong(optarg, &o->repeat) || o->repeat == 0)
				return usage_error("bad --repeat", optarg);
			o->load_mode = 1;
			break;
		case O_THREADS:
			if (parse_ulong(optarg, &o->threads) || o->threads == 0 || o->threads > 1024)
				return usage_error("bad --threads", optarg);
			o->load_mode = 1;
			break;
		case O_VERBOSE: o->verbose = 1; break;
		case O_FORK_DURING:
			if (parse_ulong(optarg, &o->fork_during) || o->fork_during == 0 ||
			    o->fork_during > 10000)
				return usage_error("bad --fork-during-threads", optarg);
			o->load_mode = 1;
			break;
		case O_FORK_INTERVAL:
			if (parse_ulong(optarg, &o->fork_interval_ms) || o->fork_interval_ms > 60000UL)
				return usage_error("bad --fork-interval-ms", optarg);
			break;
		case O_FORK_TIMEOUT:
			if (parse_ulong(optarg, &o->fork_timeout) || o->fork_timeout == 0 ||
			    o->fork_timeout > 86400UL)
				return usage_error("bad --fork-timeout", optarg);
			break;
		case O_HELP:
			fputs(usage_text, stdout);
			return -1;
		default:
			return usage_error("unknown or incomplete option",
					   optind > 0 && optind <= argc ? argv[optind - 1] : NULL);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (parse_op(argv[i], &o->ops[o->n_ops]))
			return usage_error("unknown op", argv[i]);
		o->n_ops++;
	}
	if (!o->service)
		return usage_error("--service is required", NULL);
	if (!have_user)
		return usage_error("--user (or --no-user) is required", NULL);
	if (!o->confdir && !o->no_confdir)
		return usage_error("--confdir DIR or --no-confdir is required", NULL);
	if (o->confdir && o->no_confdir)
		return usage_error("--confdir and --no-confdir exclude each other", NULL);
#ifndef HAVE_PAM_START_CONFDIR
	if (o->confdir)
		return usage_error("this libpam has no pam_start_confdir; use --no-confdir", NULL);
#endif
	if (o->approve_as && o->deny)
		return usage_error("--approve-as and --deny exclude each other", NULL);
	if (o->conv_fail && o->no_conv)
		return usage_error("--conv-fail and --no-conv exclude each other", NULL);
	if (o->n_ops == 0)
		return usage_error("no OP given", NULL);
	return 0;
}

void host_free_options(struct host_opts *o)
{
	free(o->answers);
	free(o->set_env);
	free(o->set_item);
	free(o->ops);
	o->answers = o->set_env = NULL;
	o->ops = NULL;
}
