/* SPDX-License-Identifier: BSD-3-Clause */
/* check_config.c — the configuration as the module reads it, every problem instead of the
 * first. Each line of the file goes through the module's own parser (options_parse_text, one
 * line at a time, so that a bad line does not hide the next), then the service's arguments
 * through options_set, then options_validate and the key file. Last, options_load itself runs:
 * if the module refuses what this file found no error in, its own words are reported, so the
 * check never says "could work" where the module would say no. */
#include "config.h"
#include "check.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "safe_file.h"
#include "wipe.h"

#define KEY_MAX 32
#define KEY_LINES_MAX 128

/* Where the file set each key (the last time), so that a problem between keys names a line. */
static struct {
	char key[KEY_MAX + 1];
	unsigned line;
} key_lines[KEY_LINES_MAX];
static size_t n_key_lines;

static void remember_line(const char *key, unsigned line)
{
	size_t i;
	for (i = 0; i < n_key_lines && strcmp(key_lines[i].key, key) != 0; i++)
		;
	if (i == KEY_LINES_MAX)
		return;
	snprintf(key_lines[i].key, sizeof(key_lines[i].key), "%s", key);
	key_lines[i].line = line;
	if (i == n_key_lines)
		n_key_lines++;
}

static unsigned line_of(const char *key)
{
	for (size_t i = 0; i < n_key_lines; i++)
		if (strcmp(key_lines[i].key, key) == 0)
			return key_lines[i].line;
	return 0;
}

const char *check_file_fix(int rc, const char *why, const char *path, char *buf, size_t len)
{
	if (rc == -ENOENT)
		snprintf(buf, len, "create %s (see pam_tmdb.conf(5)), or name the right file", path);
	else if (rc == -ELOOP || (why != NULL && strstr(why, "regular") != NULL))
		snprintf(buf, len, "make %s a regular file (symlinks are refused)", path);
	else if (why != NULL && strstr(why, "owned by") != NULL)
		snprintf(buf, len, "chown root: %s", path);
	else if (why != NULL && strstr(why, "writable") != NULL)
		snprintf(buf, len, "chmod go-w %s", path);
	else if (rc == -EFBIG)
		snprintf(buf, len, "make %s smaller", path);
	else
		snprintf(buf, len, "make %s readable by root", path);
	return buf;
}

/* The key of a config line, when it looks like a key: a pasted API key must not be echoed. */
static void key_of(const char *line, size_t n, char *key)
{
	size_t i = 0, k = 0;
	key[0] = '\0';
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < n && k < KEY_MAX && ((line[i] >= 'a' && line[i] <= 'z') || line[i] == '_'))
		key[k++] = line[i++];
	key[k] = '\0';
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i < n && line[i] != '=' && line[i] != '#')
		key[0] = '\0';
}

static const char *fix_for(const char *err, const char *key, char *buf, size_t len)
{
	if (strstr(err, "unknown option") != NULL)
		return "remove the line, or correct the key's name (pam_tmdb.conf(5) lists every key)";
	if (strstr(err, "missing key") != NULL)
		return "put a key before \"=\", or remove the line";
	if (strstr(err, "only allowed as a module argument") != NULL)
		return "remove the line: conf= is a module argument in the PAM service file";
	if (strstr(err, "needs a value") != NULL)
		snprintf(buf, len, "write it as \"%s = VALUE\"", key);
	else
		snprintf(buf, len, "give %s a value as pam_tmdb.conf(5) describes it", key[0] ? key : "the key");
	return buf;
}

/* "line 1: x: why" (the parser numbers the one line it got) -> "x: why" */
static const char *without_line_prefix(const char *err)
{
	if (strncmp(err, "line ", 5) == 0) {
		const char *colon = strstr(err, ": ");
		if (colon != NULL)
			return colon + 2;
	}
	return err;
}

/* The helper key's value, from "helper = VALUE # comment" or "helper=VALUE" (a module
 * argument), once the module's parser accepted it. */
static void remember_helper(struct check *c, const char *line, size_t n)
{
	const char *eq = memchr(line, '=', n), *v, *end = line + n;
	if (eq == NULL)
		return;
	for (v = eq + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	for (const char *p = v; p < end; p++)
		if (*p == '#' || *p == ' ' || *p == '\t' || *p == '\r') {
			end = p;
			break;
		}
	free(c->helper_conf);
	c->helper_conf = strndup(v, (size_t)(end - v));
}

static void parse_lines(struct check *c, const char *path, const char *text, size_t len)
{
	const char *line = text, *end = text + len;
	unsigned lineno = 0;

	if (memchr(text, '\0', len) != NULL) {
		check_add(c, CHECK_ERROR, "config", path, 0, NULL, "remove the NUL byte (the file must be text)",
			  "the file contains a NUL byte");
		return;
	}
	for (;;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		char err[320], key[KEY_MAX + 1], fix[160];
		int rc;

		lineno++;
		err[0] = '\0';
		rc = options_parse_text(&c->o, line, n, err, sizeof(err));
		key_of(line, n, key);
		if (rc == PAM_SUCCESS && key[0] != '\0')
			remember_line(key, lineno);
		if (rc == PAM_SUCCESS && strcmp(key, "helper") == 0)
			remember_helper(c, line, n);
		if (rc == PAM_SERVICE_ERR) {
			check_add(c, CHECK_ERROR, "config", path, lineno, key[0] ? key : NULL, fix_for(err, key, fix, sizeof(fix)),
				  "%s", without_line_prefix(err));
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
}

static void read_conf(struct check *c)
{
	char *text = NULL, fix[PATH_MAX + 64];
	size_t len = 0;
	mode_t mode = 0;
	const char *why = NULL;
	int rc = safe_read_file(c->conf, TMDB_CONF_MAX_BYTES, &text, &len, &mode, &why);

	if (rc == -ENOENT && !c->conf_must_exist) {
		check_add(c, CHECK_NOTE, "config", c->conf, 0, NULL, NULL,
			  "no configuration file: the built-in defaults and the module arguments are used");
		return;
	}
	if (rc != 0) {
		check_add(c, CHECK_ERROR, "files", c->conf, 0, "conf", check_file_fix(rc, why, c->conf, fix, sizeof(fix)),
			  "the configuration file cannot be used: %s", why);
		return;
	}
	parse_lines(c, c->conf, text, len);
	wipe_free(text, len);
	if ((c->o.api_key != NULL || c->o.access_token != NULL) && (mode & S_IRWXO) != 0) {
		snprintf(fix, sizeof(fix), "chmod o-rwx %s", c->conf);
		check_add(c, CHECK_ERROR, "files", c->conf, 0, c->o.api_key != NULL ? "api_key" : "access_token", fix,
			  "holds %s but others may access it (mode %04o)", c->o.api_key != NULL ? "api_key" : "access_token",
			  (unsigned)(mode & 07777));
	}
}

/* The service's arguments, as options.c's apply_arguments takes them. */
static void apply_arguments(struct check *c)
{
	for (int i = 0; i < c->argc; i++) {
		char err[320], key[KEY_MAX + 1], fix[160];
		const char *arg = c->argv[i], *eq = strchr(arg, '=');
		const char *value = eq != NULL ? eq + 1 : NULL;
		size_t klen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		char *name;

		if (strncmp(arg, "conf=", 5) == 0)
			continue;
		name = strndup(arg, klen);
		if (name == NULL)
			continue;
		key_of(arg, klen, key);
		if (options_is_secret(name)) {
			/* reported with the service's lines (check_services.c) */
			free(name);
			continue;
		}
		if (strcmp(name, "api_key_file") == 0) {
			wipe_free_str(c->o.api_key);
			c->o.api_key = NULL;
		}
		err[0] = '\0';
		if (options_set(&c->o, name, value, err, sizeof(err)) == PAM_SERVICE_ERR)
			check_add(c, CHECK_ERROR, "config", c->args_file, c->args_line, key[0] ? key : NULL,
				  fix_for(err, key, fix, sizeof(fix)), "module argument: %s", err);
		else if (strcmp(name, "helper") == 0)
			remember_helper(c, arg, strlen(arg));
		free(name);
	}
}

/* Takes away, in a scratch copy, the condition that options_validate named, so that the next
 * run names the next one (options_validate stops at the first). false: nothing to take. */
static bool set_aside(struct tmdb_options *v, const char *key)
{
	static char placeholder[] = "/";
	if (strcmp(key, "access_token") == 0 && v->flow == FLOW_V4)
		v->flow = FLOW_V3;
	else if (strcmp(key, "api_key") == 0 && v->api_key_file == NULL)
		v->api_key_file = placeholder;
	else if (strcmp(key, "api_key_file") == 0 && v->api_key_file != NULL)
		v->api_key_file = NULL;
	else if (strcmp(key, "api_url") == 0 && v->api_url != NULL)
		v->api_url = NULL;
	else if (strcmp(key, "approve_url") == 0 && v->approve_url != NULL)
		v->approve_url = NULL;
	else if (strcmp(key, "approve_url_v4") == 0 && v->approve_url_v4 != NULL)
		v->approve_url_v4 = NULL;
	else if (strcmp(key, "redirect_to") == 0 && v->redirect_to != NULL)
		v->redirect_to = NULL;
	else if (strcmp(key, "qrcode") == 0 && v->qrcode)
		v->qrcode = false;
	else if (strcmp(key, "connect_timeout") == 0 && v->connect_timeout > v->timeout)
		v->connect_timeout = v->timeout;
	else
		return false;
	return true;
}

/* The keys against each other, by the module's options_validate: every problem, through a
 * scratch copy that shares c->o's strings (it is never freed). */
static void validate(struct check *c)
{
	struct tmdb_options v;
	char err[320], key[KEY_MAX + 1], fix[PATH_MAX + 160];
	int rounds = 0;

	if (options_validate(&c->o, err, sizeof(err)) == PAM_SUCCESS)
		return;
	v = c->o;
	do {
		key_of(err, strcspn(err, ":"), key);
		if (strcmp(key, "api_key") == 0 && strstr(err, "missing") != NULL)
			snprintf(fix, sizeof(fix), "put the TMDb API key in a file only root can read (chmod 0600) and set "
				 "\"api_key_file = FILE\" in %s", c->conf);
		else
			snprintf(fix, sizeof(fix), "see %s in pam_tmdb.conf(5)", key[0] ? key : "the keys");
		check_add(c, CHECK_ERROR, "config", c->conf, key[0] ? line_of(key) : 0, key[0] ? key : NULL, fix, "%s", err);
	} while (++rounds < 16 && set_aside(&v, key) && options_validate(&v, err, sizeof(err)) != PAM_SUCCESS);
}

/* api_key_file's first line becomes api_key, under the module's rules (options.c). */
static void read_key_file(struct check *c)
{
	const char *path = c->o.api_key_file, *why = NULL;
	char *text = NULL, err[320], fix[PATH_MAX + 64];
	size_t len = 0;
	mode_t mode = 0;
	int rc;

	if (path == NULL || c->o.api_key != NULL)
		return;
	rc = safe_read_file(path, 4096, &text, &len, &mode, &why);
	if (rc != 0) {
		check_add(c, CHECK_ERROR, "files", path, 0, "api_key_file", check_file_fix(rc, why, path, fix, sizeof(fix)),
			  "the key file cannot be used: %s", why);
		return;
	}
	if ((mode & S_IRWXO) != 0) {
		snprintf(fix, sizeof(fix), "chmod o-rwx %s", path);
		check_add(c, CHECK_ERROR, "files", path, 0, "api_key_file", fix, "the key file is accessible by others (mode %04o)",
			  (unsigned)(mode & 07777));
	} else if (memchr(text, '\0', len) != NULL) {
		check_add(c, CHECK_ERROR, "config", path, 1, "api_key_file", "write the key alone on the first line",
			  "the key file contains a NUL byte");
	} else {
		text[strcspn(text, "\r\n")] = '\0';
		if (options_set(&c->o, "api_key", text, err, sizeof(err)) != PAM_SUCCESS)
			check_add(c, CHECK_ERROR, "config", path, 1, "api_key_file",
				  "write the key alone on the first line (printable characters, no spaces)",
				  "the first line is not a valid API key (not shown)");
	}
	wipe_free(text, len);
}

/* The module's own verdict, with the module's own log lines as the reason. */
static void module_verdict(struct check *c)
{
	struct tmdb_options m;
	struct check_capture cap;
	const char **argv = calloc((size_t)c->argc + 2, sizeof(*argv));
	char *conf_arg = NULL, *log;
	int argc = 0, rc;

	if (argv == NULL)
		return;
	if (c->conf_must_exist && asprintf(&conf_arg, "conf=%s", c->conf) > 0)
		argv[argc++] = conf_arg;
	for (int i = 0; i < c->argc; i++)
		if (strncmp(c->argv[i], "conf=", 5) != 0)
			argv[argc++] = c->argv[i];
	if (check_capture_begin(&cap) != 0) {
		free(conf_arg);
		free(argv);
		return;
	}
	rc = options_load(NULL, argc, argv, &m);
	log = check_capture_end(&cap);
	if (rc == PAM_SUCCESS)
		options_free(&m);
	else if (check_count(c, CHECK_ERROR) == 0)
		check_add(c, CHECK_ERROR, "config", c->conf, 0, NULL, "see pam_tmdb.conf(5)",
			  "the module refuses this configuration: %s", log != NULL && log[0] ? log : "(no reason logged)");
	free(log);
	free(conf_arg);
	free(argv);
}

void check_config(struct check *c)
{
	if (options_defaults(&c->o) != PAM_SUCCESS) {
		fputs("tmdbctl: out of memory\n", stderr);
		exit(1);
	}
	read_conf(c);
	apply_arguments(c);
	validate(c);
	read_key_file(c);
	c->have_credential = c->o.api_key != NULL || c->o.access_token != NULL;
	module_verdict(c);
}
