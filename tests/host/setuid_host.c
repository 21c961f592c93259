/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmdb-setuid-host: the smallest PAM host that can run setuid root.
 *
 *     tmdb-setuid-host [--keep-going] CONFDIR SERVICE USER OP...
 *     OP: authenticate acct_mgmt setcred open_session close_session setcred_delete
 *
 * Tests copy it, make it setuid root and run it as an unprivileged user with an environment of
 * their choosing (SSLKEYLOGFILE, CURL_CA_BUNDLE, http_proxy, LD_*, odd locales, ...), as su or
 * sudo would run a PAM stack. Whatever then reads that environment is the module, never this
 * host: it is linked with libpam and libc only (no libcurl, no TLS library, no syslog capture),
 * it neither cleans nor changes its environment, and it only calls setlocale(LC_ALL, "") so that
 * a locale given by the caller is in force, as in a real setuid program.
 *
 * Output: one JSON event per line on stdout (jsonout.c's escaping):
 *   {"ev":"ids","uid":N,"euid":N,"gid":N,"egid":N}
 *   {"ev":"conv","style":"TEXT_INFO|ERROR_MSG|PROMPT_ECHO_ON|PROMPT_ECHO_OFF|OTHER","msg":"…"}
 *   {"ev":"op","op":"authenticate","rc":0,"name":"PAM_SUCCESS"}   ("start" if pam_start fails)
 *   {"ev":"env","name":"…","value":"…"}                           after the last op
 *   {"ev":"end"}
 * Every prompt is answered with "" (the user presses Enter); any other message style fails the
 * conversation. Exit: 0 all ops PAM_SUCCESS, 1 otherwise, 2 usage error.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: tmdb-setuid-host [--keep-going] CONFDIR SERVICE USER OP...\n"
	"OP: authenticate acct_mgmt setcred open_session close_session setcred_delete\n";

enum sop { S_AUTH, S_ACCT, S_SETCRED, S_OPEN, S_CLOSE, S_SETCRED_DELETE };

struct sop_entry {
	const char *name;
	enum sop op;
};

static const struct sop_entry sop_table[] = {
	{"authenticate", S_AUTH}, {"acct_mgmt", S_ACCT}, {"setcred", S_SETCRED},
	{"open_session", S_OPEN}, {"close_session", S_CLOSE}, {"setcred_delete", S_SETCRED_DELETE},
};

static const struct sop_entry *parse_sop(const char *s)
{
	for (size_t i = 0; i < sizeof sop_table / sizeof sop_table[0]; i++)
		if (strcmp(s, sop_table[i].name) == 0)
			return &sop_table[i];
	return NULL;
}

static int call_sop(pam_handle_t *pamh, enum sop op)
{
	switch (op) {
	case S_AUTH: return pam_authenticate(pamh, 0);
	case S_ACCT: return pam_acct_mgmt(pamh, 0);
	case S_SETCRED: return pam_setcred(pamh, PAM_ESTABLISH_CRED);
	case S_OPEN: return pam_open_session(pamh, 0);
	case S_CLOSE: return pam_close_session(pamh, 0);
	case S_SETCRED_DELETE: return pam_setcred(pamh, PAM_DELETE_CRED);
	}
	return PAM_SYSTEM_ERR;
}

static const char *style_name(int style)
{
	switch (style) {
	case PAM_TEXT_INFO: return "TEXT_INFO";
	case PAM_ERROR_MSG: return "ERROR_MSG";
	case PAM_PROMPT_ECHO_ON: return "PROMPT_ECHO_ON";
	case PAM_PROMPT_ECHO_OFF: return "PROMPT_ECHO_OFF";
	default: return "OTHER";
	}
}

static void free_responses(struct pam_response *r, int n)
{
	for (int i = 0; r && i < n; i++)
		free(r[i].resp);
	free(r);
}

static int conv(int num_msg, const struct pam_message **msg, struct pam_response **resp,
		void *appdata)
{
	struct pam_response *r;

	(void)appdata;
	if (resp)
		*resp = NULL;
	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG || !msg || !resp)
		return PAM_CONV_ERR;
	r = calloc((size_t)num_msg, sizeof *r);
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < num_msg; i++) {
		struct jbuf b;
		int style = msg[i]->msg_style;

		ev_begin(&b, "conv");
		ev_str(&b, "style", style_name(style));
		ev_str(&b, "msg", msg[i]->msg ? msg[i]->msg : "");
		ev_end(&b);
		if (style == PAM_PROMPT_ECHO_ON || style == PAM_PROMPT_ECHO_OFF) {
			r[i].resp = strdup("");
			if (!r[i].resp) {
				free_responses(r, num_msg);
				return PAM_BUF_ERR;
			}
		} else if (style != PAM_TEXT_INFO && style != PAM_ERROR_MSG) {
			free_responses(r, num_msg);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static void print_ids(void)
{
	struct jbuf b;

	ev_begin(&b, "ids");
	ev_int(&b, "uid", (long long)getuid());
	ev_int(&b, "euid", (long long)geteuid());
	ev_int(&b, "gid", (long long)getgid());
	ev_int(&b, "egid", (long long)getegid());
	ev_end(&b);
}

static void print_env(pam_handle_t *pamh)
{
	char **env = pam_getenvlist(pamh);

	for (size_t i = 0; env && env[i]; i++) {
		char *eq = strchr(env[i], '=');
		struct jbuf b;

		if (eq)
			*eq = '\0';	/* our own copy */
		ev_begin(&b, "env");
		ev_str(&b, "name", env[i]);
		ev_str(&b, "value", eq ? eq + 1 : "");
		ev_end(&b);
		free(env[i]);
	}
	free(env);
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "tmdb-setuid-host: %s%s%s\n%s", what, arg ? ": " : "", arg ? arg : "",
		usage_text);
	return 2;
}

int main(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const struct sop_entry **ops;
	int keep_going = 0, first = 1, n_ops, rc, last = PAM_SUCCESS, failed = 0;
	struct jbuf b;

	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "--keep-going") == 0) {
		keep_going = 1;
		first = 2;
	}
	if (argc - first < 4)
		return usage_error("CONFDIR SERVICE USER and at least one OP are required", NULL);
	n_ops = argc - first - 3;
	ops = calloc((size_t)n_ops, sizeof *ops);
	if (!ops)
		return usage_error("out of memory", NULL);
	for (int i = 0; i < n_ops; i++) {
		ops[i] = parse_sop(argv[first + 3 + i]);
		if (!ops[i]) {
			free(ops);
			return usage_error("unknown op", argv[first + 3 + i]);
		}
	}

	print_ids();
#ifdef HAVE_PAM_START_CONFDIR
	rc = pam_start_confdir(argv[first + 1], argv[first + 2], &pc, argv[first], &pamh);
#else
	rc = PAM_SYSTEM_ERR;	/* libpam < 1.4: no private service dirs, nothing to test */
	pamh = NULL;
#endif
	if (rc != PAM_SUCCESS) {
		ev_op("start", rc);
		failed = 1;
		pamh = NULL;
	}
	for (int i = 0; pamh && i < n_ops; i++) {
		rc = call_sop(pamh, ops[i]->op);
		ev_op(ops[i]->name, rc);
		last = rc;
		if (rc != PAM_SUCCESS) {
			failed = 1;
			if (!keep_going)
				break;
		}
	}
	if (pamh) {
		print_env(pamh);
		pam_end(pamh, last);
	}
	free(ops);
	ev_begin(&b, "end");
	ev_end(&b);
	return failed ? 1 : 0;
}
