/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb-login: signs the user in with TMDb through a PAM service that holds pam_tmdb, and hands
 * the session to a script (--format) or a command (--exec). See tmdb-login(1).
 *
 * The order of PAM calls follows what the session is for:
 *   print:  authenticate, acct_mgmt, read the session, pam_end. No session is opened, so none
 *           is closed: like any application that asks PAM for the credential, the caller keeps
 *           the TMDb session it was given (pam_tmdb(8), "Session lifecycle").
 *   --exec: authenticate, acct_mgmt, setcred, open_session, the command, close_session (which
 *           deletes the TMDb session with logout_on_close=yes) unless --keep, setcred delete.
 *   --enroll, --unenroll, --enrolled: the action in the PAM environment (TMDB_ENROLL), then
 *           authenticate alone, in a service whose pam_tmdb line has the argument enroll; the
 *           module tells the outcome, and no session is handed over. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "login.h"

#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conv.h"
#include "enrol_record.h"
#include "output.h"
#include "return_to.h"
#include "run_command.h"

extern char **environ;

static const char *invoking_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	return pw != NULL && pw->pw_name != NULL && *pw->pw_name ? pw->pw_name : NULL;
}

static int start(const struct login_opts *o, const char *user, struct pam_conv *pc,
		 pam_handle_t **pamh)
{
	if (o->confdir != NULL) {
#ifdef HAVE_PAM_START_CONFDIR
		return pam_start_confdir(o->service, user, pc, o->confdir, pamh);
#else
		say("--confdir needs a libpam with pam_start_confdir");
		return PAM_SYSTEM_ERR;
#endif
	}
	return pam_start(o->service, user, pc, pamh);
}

/* Does the PAM service file exist? libpam falls back to the service "other" when it does
 * not, which on most systems asks for the Unix password: a "Password:" prompt where the user
 * expects a TMDb login. Refusing names the file to create instead. *path gets the file looked
 * for (the first of the places libpam reads). true when found, or when the system uses
 * /etc/pam.conf (no /etc/pam.d), where there is no file to look for. */
static bool service_file_exists(const struct login_opts *o, char *path, size_t cap)
{
	static const char *const dirs[] = { "/etc/pam.d", "/usr/lib/pam.d", "/usr/share/pam.d" };
	struct stat st;

	if (o->confdir != NULL) {
		snprintf(path, cap, "%s/%s", o->confdir, o->service);
		return stat(path, &st) == 0;
	}
	snprintf(path, cap, "%s/%s", dirs[0], o->service);
	if (stat(dirs[0], &st) != 0 || !S_ISDIR(st.st_mode))
		return true; /* /etc/pam.conf: libpam's own business */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", dirs[i], o->service);
		if (stat(p, &st) == 0)
			return true;
	}
	return false;
}

/* Offers the module the loopback return address (used only with allow_return_to=yes). */
static struct listener *offer_return_address(const struct login_opts *o, pam_handle_t *pamh)
{
	struct listener *l;
	char *url, *kv;

	if (o->no_listen)
		return NULL;
	l = listener_open(o->ipv6, o->timeout_s, &url);
	if (l == NULL)
		return NULL;
	kv = malloc(strlen(TMDB_RETURN_TO_ENV) + strlen(url) + 2);
	if (kv == NULL) {
		free(url);
		listener_close(l);
		return NULL;
	}
	sprintf(kv, "%s=%s", TMDB_RETURN_TO_ENV, url);
	if (pam_putenv(pamh, kv) != PAM_SUCCESS) {
		say("could not offer the return address to the module");
		listener_close(l);
		l = NULL;
	}
	free(kv);
	free(url);
	return l;
}

static void collect(pam_handle_t *pamh, struct session_vars *v)
{
	v->n = 0;
	for (int i = 0; login_session_vars[i] != NULL; i++) {
		const char *value = pam_getenv(pamh, login_session_vars[i]);
		if (value != NULL) {
			v->name[v->n] = login_session_vars[i];
			v->value[v->n++] = value;
		}
	}
}

static const char *var(const struct session_vars *v, const char *name)
{
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0)
			return v->value[i];
	return NULL;
}

/* Our environment without any TMDB_* session variable of our own, plus the login's. */
static char **command_env(const struct session_vars *v)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + (size_t)v->n + 1, sizeof *env);
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool ours = false;
		for (int j = 0; login_session_vars[j] != NULL && !ours; j++) {
			size_t len = strlen(login_session_vars[j]);
			ours = strncmp(environ[i], login_session_vars[j], len) == 0 && environ[i][len] == '=';
		}
		if (!ours && (env[k] = strdup(environ[i])) == NULL)
			goto fail;
		k += !ours;
	}
	for (int j = 0; j < v->n; j++) {
		env[k] = malloc(strlen(v->name[j]) + strlen(v->value[j]) + 2);
		if (env[k] == NULL)
			goto fail;
		sprintf(env[k++], "%s=%s", v->name[j], v->value[j]);
	}
	return env;
fail:
	for (size_t i = 0; i < k; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void free_env(char **env)
{
	for (size_t i = 0; env != NULL && env[i]; i++)
		free(env[i]);
	free(env);
}

static int run_exec(const struct login_opts *o, pam_handle_t *pamh, int *last_rc)
{
	struct session_vars v;
	char **env;
	int rc, status;

	rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
	if (rc == PAM_SUCCESS)
		rc = pam_open_session(pamh, 0);
	if (rc != PAM_SUCCESS) {
		say("could not open the session: %s", pam_strerror(pamh, rc));
		pam_setcred(pamh, PAM_DELETE_CRED);
		*last_rc = rc;
		return login_exit_for_pam(rc);
	}
	collect(pamh, &v);
	env = command_env(&v);
	if (env == NULL) {
		say("out of memory");
		status = EXIT_CONFIG;
	} else {
		status = run_command(o->exec_argv, env);
		free_env(env);
	}
	if (o->keep) {
		if (!o->quiet)
			say("--keep: the TMDb session stays valid until it is revoked");
		return status;
	}
	rc = pam_close_session(pamh, 0);
	if (rc != PAM_SUCCESS)
		say("closing the session: %s", pam_strerror(pamh, rc));
	pam_setcred(pamh, PAM_DELETE_CRED);
	return status;
}

static int print_session(const struct login_opts *o, pam_handle_t *pamh, bool to_terminal)
{
	struct session_vars v;
	const char *name;

	collect(pamh, &v);
	if (to_terminal) {
		name = var(&v, "TMDB_ACCOUNT_USERNAME");
		fputs("tmdb-login: signed in", stderr);
		if (name != NULL) {
			fputs(" as TMDb account ", stderr);
			say_text(name);
		}
		fputs(".\ntmdb-login: the session id is not shown on a terminal: use --format shell, "
		      "json or env (or --exec COMMAND) to get it\n", stderr);
		return EXIT_LOGIN_OK;
	}
	return output_session(stdout, o->format, &v) == 0 ? EXIT_LOGIN_OK : EXIT_OUTPUT;
}

/* --enroll, --unenroll, --enrolled: authenticate in the service that enrols, and nothing after. */
static int run_enrol(const struct login_opts *o, const char *user, pam_handle_t *pamh, struct login_conv *c)
{
	char kv[64];
	int rc;

	snprintf(kv, sizeof kv, "%s=%s", TMDB_ENROLL_ENV, o->enrol_action);
	if (pam_putenv(pamh, kv) != PAM_SUCCESS) {
		say("could not pass the request to the module");
		return EXIT_CONFIG;
	}
	/* a return address only where there is an approval */
	if (strcmp(o->enrol_action, ENROL_ACTION_ENROL) == 0) {
		if (!o->quiet)
			say("enrolling: the TMDb account that approves will be able to sign in as %s", user);
		c->listener = offer_return_address(o, pamh);
	}
	rc = pam_authenticate(pamh, 0);
	listener_close(c->listener);
	c->listener = NULL;
	approval_page_remove(&c->page);
	if (pam_getenv(pamh, TMDB_RETURN_TO_ENV) != NULL)
		pam_putenv(pamh, TMDB_RETURN_TO_ENV);
	if (pam_getenv(pamh, TMDB_ENROLL_ENV) != NULL) {
		/* nobody took it: the service's pam_tmdb line lacks the argument enroll */
		pam_putenv(pamh, TMDB_ENROLL_ENV);
		say("the service %s does not enrol (its pam_tmdb line needs the argument enroll; see "
		    "tmdb-login(1))", o->service);
		pam_end(pamh, PAM_SERVICE_ERR);
		return EXIT_CONFIG;
	}
	if (rc != PAM_SUCCESS && !o->quiet)
		say("not done: %s", pam_strerror(pamh, rc));
	pam_end(pamh, rc);
	if (rc != PAM_SUCCESS && c->no_answer)
		return EXIT_NO_ANSWER;
	return rc == PAM_SUCCESS ? EXIT_LOGIN_OK : login_exit_for_pam(rc);
}

int main(int argc, char **argv)
{
	struct login_opts o;
	struct login_conv c;
	struct pam_conv pc = { login_conv, &c };
	pam_handle_t *pamh = NULL;
	const char *user;
	bool to_terminal = false;
	int rc, status;

	setlocale(LC_ALL, "");
	rc = login_parse_options(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? EXIT_LOGIN_OK : rc;
	/* a closed stdout is an output error, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	user = o.user != NULL ? o.user : invoking_user();
	if (user == NULL) {
		say("cannot tell who you are (no name for uid %lu); use --user", (unsigned long)getuid());
		return EXIT_CONFIG;
	}
	if (o.exec_argv == NULL && o.format == FORMAT_NONE) {
		to_terminal = isatty(1);
		o.format = FORMAT_SHELL;
	}
	memset(&c, 0, sizeof c);
	c.o = &o;
	c.secret_private = say_is_private();
	{
		char path[PATH_MAX];
		if (!service_file_exists(&o, path, sizeof path)) {
			say("the PAM service %s does not exist: create %s (see tmdb-login(1), FILES)", o.service, path);
			return EXIT_CONFIG;
		}
	}
	rc = start(&o, user, &pc, &pamh);
	if (rc != PAM_SUCCESS) {
		say("cannot start the PAM service %s: %s", o.service, pam_strerror(pamh, rc));
		if (pamh != NULL)
			pam_end(pamh, rc);
		return EXIT_CONFIG;
	}
	if (o.enrol_action != NULL) {
		status = run_enrol(&o, user, pamh, &c);
		login_conv_free(&c);
		return status;
	}
	c.listener = offer_return_address(&o, pamh);
	rc = pam_authenticate(pamh, 0);
	/* the return address is for this authentication only */
	listener_close(c.listener);
	c.listener = NULL;
	/* the browser has loaded the page, or will find it gone: either way it is no longer needed */
	approval_page_remove(&c.page);
	if (pam_getenv(pamh, TMDB_RETURN_TO_ENV) != NULL)
		pam_putenv(pamh, TMDB_RETURN_TO_ENV);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	if (rc != PAM_SUCCESS) {
		say("not signed in: %s%s", pam_strerror(pamh, rc),
		    c.returned_denied ? " (the login was denied in the browser)" : "");
		/* a prompt met the end of input: "no answer" (5), whatever code the module made of
		 * it (pam_unix, for one, turns it into PAM_AUTH_ERR) */
		status = c.no_answer ? EXIT_NO_ANSWER : login_exit_for_pam(rc);
	} else if (pam_getenv(pamh, "TMDB_SESSION_ID") == NULL) {
		say("the service %s signed you in but gave no TMDb session (is pam_tmdb in its auth stack?)",
		    o.service);
		status = EXIT_CONFIG;
	} else if (o.exec_argv != NULL) {
		status = run_exec(&o, pamh, &rc);
	} else {
		status = print_session(&o, pamh, to_terminal);
	}
	pam_end(pamh, rc);
	login_conv_free(&c);
	return status;
}
