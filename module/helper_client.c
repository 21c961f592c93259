/* SPDX-License-Identifier: BSD-3-Clause */
/* helper_client.c: starting pam_tmdb_helper and relaying between it and the host (see
 * helper_client.h for when, helper_proto.h for the protocol). */
#include "config.h"
#include "helper_client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "enrol_args.h"
#include "helper_proto.h"
#include "options.h"
#include "refusal.h"
#include "return_to.h"
#include "scope.h"
#include "session.h"
#include "wipe.h"

/* The longest the helper may stay silent: poll mode at the largest approval_timeout (3600 s)
 * plus the requests of one try. It keeps its own, tighter, deadlines. */
#define RELAY_TIMEOUT_MS (3900 * 1000)
/* module data: the helper's export_env of this login, for setcred and open_session */
#define EXPORT_DATA_NAME "pam_tmdb_helper_export_env"

static const char *const allowed_keys[] = { "approval", "max_prompts", "approval_timeout", "poll_interval",
					    "qrcode", "export_env", "conv_session", "debug", "enroll" };

bool helper_arg_allowed(const char *key)
{
	for (size_t i = 0; i < sizeof(allowed_keys) / sizeof(allowed_keys[0]); i++)
		if (strcmp(key, allowed_keys[i]) == 0)
			return true;
	return false;
}

/* A name that may be shown in the log: a pasted secret in place of an option name must not. */
static bool showable_key(const char *key, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_'))
			return false;
	return true;
}

struct client_args {
	const char *helper;          /* NULL: helper=no */
	char *enroll;                /* authenticate in a service that enrols: the action asked for */
	int argc;                    /* forwarded: conf= and the allowed keys */
	const char *argv[HP_MAX_ARGS];
};

/* The module arguments on this path: conf= and helper= are the module's own, the allowed keys
 * go to the helper (which checks their values), any other key is a configuration error. */
static int parse_args(pam_handle_t *pamh, int argc, const char **argv, struct client_args *a)
{
	memset(a, 0, sizeof(*a));
	a->helper = TMDB_HELPER_PATH;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		size_t klen = strcspn(arg, "=");
		char key[33];

		if (strncmp(arg, "helper=", 7) == 0) {
			if (strcmp(arg + 7, "no") == 0)
				a->helper = NULL;
			else if (arg[7] == '/' && strlen(arg + 7) < HP_MAX_PATH)
				a->helper = arg + 7;
			else {
				pam_syslog(pamh, LOG_ERR, "module argument: helper: expected an absolute path or \"no\"");
				return PAM_SERVICE_ERR;
			}
			continue;
		}
		if (!showable_key(arg, klen)) {
			pam_syslog(pamh, LOG_ERR, "module argument: unknown option (name not shown: it does not look "
				   "like an option name)");
			return PAM_SERVICE_ERR;
		}
		memcpy(key, arg, klen);
		key[klen] = '\0';
		if (strcmp(key, "conf") != 0 && !helper_arg_allowed(key)) {
			pam_syslog(pamh, LOG_ERR, "module argument: %s cannot be given here: this host runs as uid %u and "
				   "reaches the configuration only through pam_tmdb_helper, which takes from module "
				   "arguments only approval, max_prompts, approval_timeout, poll_interval, qrcode, "
				   "export_env, conv_session, debug and enroll (set %s in the configuration file)",
				   key, (unsigned)getuid(), key);
			return PAM_SERVICE_ERR;
		}
		if (a->argc >= HP_MAX_ARGS || strlen(arg) > HP_MAX_ARG) {
			pam_syslog(pamh, LOG_ERR, "module argument: %s: too many or too long arguments", key);
			return PAM_SERVICE_ERR;
		}
		a->argv[a->argc++] = arg;
	}
	return PAM_SUCCESS;
}

/* Parses the arguments and says why the path is closed when it is. */
static int open_path(pam_handle_t *pamh, int argc, const char **argv, struct client_args *a)
{
	int rc = parse_args(pamh, argc, argv, a);
	if (rc == PAM_SUCCESS && a->helper == NULL) {
		pam_syslog(pamh, LOG_ERR, "the configuration (API key) is not readable by uid %u and helper=no: a host "
			   "that runs as an ordinary user cannot use pam_tmdb (see pam_tmdb(8), USER-RUN HOSTS)",
			   (unsigned)geteuid());
		rc = PAM_SERVICE_ERR;
	}
	return rc;
}

static int spawn_helper(pam_handle_t *pamh, const char *path, pid_t *pid, int *fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	char *const child_argv[] = { (char *)(uintptr_t)"pam_tmdb_helper", NULL };
	char *const child_env[] = { NULL };
	int sv[2], child, rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot make a socket for the helper: %s", strerror(errno));
		return PAM_SERVICE_ERR;
	}
	child = sv[1];
	if (child < 3) {
		/* dup2 onto itself would keep close-on-exec */
		child = fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
		close(sv[1]);
		if (child < 0) {
			close(sv[0]);
			return PAM_SERVICE_ERR;
		}
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, child, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	/* the host's own descriptors without close-on-exec stay behind too */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	posix_spawnattr_init(&attr);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(pid, path, &fa, &attr, child_argv, child_env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(child);
	if (rc != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot run the helper %s: %s", path, strerror(rc));
		close(sv[0]);
		return PAM_SERVICE_ERR;
	}
	*fd = sv[0];
	return PAM_SUCCESS;
}

static void reap(pam_handle_t *pamh, pid_t pid, bool answered)
{
	int status = 0;
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (answered || r != pid)
		return; /* ECHILD: the host reaps its children itself */
	if (WIFEXITED(status))
		pam_syslog(pamh, LOG_ERR, "the helper ended without an answer (exit status %d)", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		pam_syslog(pamh, LOG_ERR, "the helper ended without an answer (signal %d)", WTERMSIG(status));
}

/* Control characters of a log line from the helper become '?'. */
static void relay_log(pam_handle_t *pamh, const unsigned char *p, size_t n)
{
	struct hp_log l;
	if (hp_decode_log(p, n, &l) != 0) {
		pam_syslog(pamh, LOG_ERR, "the helper sent a malformed log line");
		return;
	}
	for (char *c = l.text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	pam_syslog(pamh, (int)l.prio, "%s", l.text);
	hp_log_clear(&l);
}

static bool valid_style(uint32_t s)
{
	return s == PAM_PROMPT_ECHO_OFF || s == PAM_PROMPT_ECHO_ON || s == PAM_ERROR_MSG || s == PAM_TEXT_INFO;
}

/* One conversation call of the helper, made with the host's conversation function. */
static int relay_conv(pam_handle_t *pamh, int fd, const unsigned char *p, size_t n)
{
	struct hp_conv c;
	struct hp_conv_reply reply = { PAM_CONV_ERR, NULL };
	struct conv_round r = { 0 };
	struct hp_buf b;
	int rc;

	if (hp_decode_conv(p, n, &c) != 0) {
		pam_syslog(pamh, LOG_ERR, "the helper sent a malformed conversation message");
		return -1;
	}
	for (uint32_t i = 0; i < c.n; i++) {
		if (!valid_style(c.style[i])) {
			pam_syslog(pamh, LOG_ERR, "the helper sent a conversation message of unknown style");
			hp_conv_clear(&c);
			return -1;
		}
		conv_add(&r, (int)c.style[i], c.text[i]);
	}
	rc = conv_send(pamh, &r, &reply.reply);
	reply.rc = (uint32_t)rc;
	if (reply.reply != NULL && strlen(reply.reply) > HP_MAX_REPLY)
		reply.reply[HP_MAX_REPLY] = '\0'; /* what was typed does not matter beyond that */
	hp_conv_clear(&c);
	rc = hp_encode_conv_reply(&reply, &b);
	hp_conv_reply_clear(&reply);
	if (rc != 0)
		return -1;
	rc = hp_send(fd, &b);
	hp_buf_free(&b);
	return rc;
}

/* Sends the request and relays until the helper's result. 0 with *res, or -1 (logged). */
static int converse(pam_handle_t *pamh, int fd, const struct hp_request *req, struct hp_result *res)
{
	struct hp_buf b;
	int rc;

	if (hp_encode_request(req, &b) != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot build the request for the helper (out of memory or too large)");
		return -1;
	}
	rc = hp_send(fd, &b);
	hp_buf_free(&b);
	if (rc != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot send the request to the helper");
		return -1;
	}
	for (;;) {
		unsigned char *p = NULL;
		size_t n = 0;
		uint8_t type = 0;
		const char *why = NULL;

		if (hp_recv(fd, RELAY_TIMEOUT_MS, &type, &p, &n, &why) != 0) {
			pam_syslog(pamh, LOG_ERR, "no answer from the helper: %s", why);
			return -1;
		}
		rc = 0;
		if (type == HP_LOG)
			relay_log(pamh, p, n);
		else if (type == HP_CONV)
			rc = relay_conv(pamh, fd, p, n);
		else if (type == HP_RESULT && hp_decode_result(p, n, res) == 0)
			rc = 1;
		else
			rc = -1;
		hp_payload_free(p, n);
		if (rc == 1)
			return 0;
		if (rc != 0) {
			pam_syslog(pamh, LOG_ERR, "the helper broke the protocol (message type %u)", (unsigned)type);
			return -1;
		}
	}
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;
	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL)
		return NULL;
	/* over-long items are the helper's to refuse; never cut one into another value */
	return strlen(v) <= HP_MAX_NAME ? v : "";
}

static char yes_data = 1, no_data = 0;

/* A helper that handed a session over and waits for the login's outcome (helper_proto.h):
 * its pid and our end of its socket (close-on-exec, as every descriptor of the module). */
struct held_helper {
	pid_t pid;
	int fd;
};

/* Runs one op through the helper. A RESULT that hands a session over (authenticate) is
 * handed over here and acknowledged (TAKEN): unacknowledged, the helper deletes it. After a
 * TAKEN the helper waits for the login's outcome: with hold, it is kept there (hold->fd >= 0);
 * without, the socket closes and the helper decides alone. */
static int run_op(pam_handle_t *pamh, int flags, const struct client_args *a, uint32_t op, const char *user,
		  char *return_to, const struct tmdb_session *held, uint32_t *forget, bool *answered,
		  struct held_helper *hold)
{
	struct hp_request req;
	struct hp_result res = { 0 };
	pid_t pid = -1;
	int fd = -1, rc;
	bool dummy, kept = false;

	if (answered == NULL)
		answered = &dummy;
	*answered = false;
	if (hold != NULL)
		hold->pid = -1, hold->fd = -1;

	memset(&req, 0, sizeof(req));
	req.version = HP_VERSION;
	req.op = op;
	req.flags = (uint32_t)flags;
	req.has_conv = conv_available(pamh);
	req.service = (char *)(uintptr_t)item(pamh, PAM_SERVICE);
	req.user = (char *)(uintptr_t)user;
	req.tty = (char *)(uintptr_t)item(pamh, PAM_TTY);
	req.xdisplay = (char *)(uintptr_t)item(pamh, PAM_XDISPLAY);
	req.rhost = (char *)(uintptr_t)item(pamh, PAM_RHOST);
	req.return_to = return_to;
	req.enroll = a->enroll;
	req.argc = (uint32_t)a->argc;
	for (int i = 0; i < a->argc; i++)
		req.argv[i] = (char *)(uintptr_t)a->argv[i];
	if (held != NULL) {
		req.has_session = 1;
		req.session = *held; /* shallow: not cleared here */
	}
	if (req.service == NULL)
		req.service = (char *)(uintptr_t)"";

	rc = spawn_helper(pamh, a->helper, &pid, &fd);
	if (rc != PAM_SUCCESS)
		return rc;
	if (converse(pamh, fd, &req, &res) == 0) {
		*answered = true;
		rc = (int)res.rc;
		if (forget != NULL)
			*forget = res.forget;
		if (res.has_session && op == HP_OP_AUTHENTICATE && rc == PAM_SUCCESS) {
			struct hp_buf b;
			int taken = session_handover(pamh, &res.session, res.export_env, false);
			if (taken == PAM_SUCCESS)
				taken = pam_set_data(pamh, EXPORT_DATA_NAME, res.export_env ? &yes_data : &no_data, NULL);
			if (hp_encode_taken((uint32_t)taken, &b) != 0 || hp_send(fd, &b) != 0)
				taken = PAM_SERVICE_ERR;
			hp_buf_free(&b);
			rc = taken;
			kept = rc == PAM_SUCCESS && hold != NULL;
		}
		hp_result_clear(&res);
	} else {
		rc = PAM_SERVICE_ERR;
	}
	if (kept) {
		hold->pid = pid;
		hold->fd = fd;
		return rc;
	}
	shutdown(fd, SHUT_RDWR);
	close(fd);
	reap(pamh, pid, *answered);
	return rc;
}

/* Tells the held helper the login's outcome (0: none, it decides alone), relays its log
 * lines until its RESULT, then closes the socket and reaps it. The RESULT's code, or
 * PAM_SERVICE_ERR when it gave none (gone, or broke the protocol: logged); *recorded (when
 * not NULL) its forget flag: after CLAIM, the session is recorded. */
static int settle_held(pam_handle_t *pamh, struct held_helper *h, uint32_t outcome, bool *recorded)
{
	struct hp_buf b;
	int rc = PAM_SERVICE_ERR;

	if (h->fd < 0)
		return PAM_SERVICE_ERR;
	if (outcome != 0 && hp_encode_outcome(outcome, &b) == 0) {
		int sent = hp_send(h->fd, &b);
		hp_buf_free(&b);
		while (sent == 0) {
			unsigned char *p = NULL;
			size_t n = 0;
			uint8_t type = 0;
			const char *why = NULL;
			struct hp_result res;

			if (hp_recv(h->fd, RELAY_TIMEOUT_MS, &type, &p, &n, &why) != 0) {
				pam_syslog(pamh, LOG_WARNING, "no answer from the helper that holds the login: %s", why);
				break;
			}
			if (type == HP_LOG) {
				relay_log(pamh, p, n);
				hp_payload_free(p, n);
				continue;
			}
			if (type == HP_RESULT && hp_decode_result(p, n, &res) == 0 && !res.has_session) {
				rc = (int)res.rc;
				if (recorded != NULL)
					*recorded = res.forget != 0;
			} else
				pam_syslog(pamh, LOG_ERR, "the helper broke the protocol (message type %u)", (unsigned)type);
			if (type == HP_RESULT)
				hp_result_clear(&res); /* cleared by a failed decode too */
			hp_payload_free(p, n);
			break;
		}
	}
	shutdown(h->fd, SHUT_RDWR);
	close(h->fd);
	h->fd = -1;
	/* the helper ends at once after its answer, or on the closed socket */
	reap(pamh, h->pid, true);
	h->pid = -1;
	return rc;
}

/* What becomes of a login through the helper after authenticate (module data, armed at a
 * successful authenticate, disarmed at close_session). Until open_session the helper that
 * authenticated waits (held): open_session tells it CLAIM (the journal record it wrote, held
 * by this process, stays), pam_end tells it FORGET (PAM_SUCCESS: a credential request keeps
 * its session, the record goes) or REVOKE (an error status: another module's account check
 * refused the login, or the host gave up: the session is deleted whatever logout_on_close
 * says, as login_guard.c does in process). After open_session, pam_end with an error status
 * runs the helper's LOGOUT op, and pam_end(PAM_SUCCESS) its FORGET op when the session is
 * recorded (the host keeps its session open, as tmdb-login --keep does). Copies of what it needs, since other module data and
 * pam_get_data are not to be relied on inside pam_end. Only in the process that armed it: a
 * forked child's pam_end is not the login's end (it only closes its copy of the socket). */
#define GUARD_DATA_NAME "pam_tmdb_helper_guard"

struct helper_guard {
	pid_t owner;
	struct held_helper held;
	bool recorded;          /* open_session: the helper said the session is recorded */
	struct tmdb_session s;
	char *user, *helper;
	int argc;
	char *argv[HP_MAX_ARGS];
};

static void guard_free(struct helper_guard *g)
{
	session_clear(&g->s);
	free(g->user);
	free(g->helper);
	for (int i = 0; i < g->argc; i++)
		free(g->argv[i]);
	free(g);
}

static void guard_args(const struct helper_guard *g, struct client_args *a)
{
	memset(a, 0, sizeof(*a));
	a->helper = g->helper;
	a->argc = g->argc;
	for (int i = 0; i < g->argc; i++)
		a->argv[i] = g->argv[i];
}

static void guard_logout(pam_handle_t *pamh, struct helper_guard *g)
{
	struct client_args a;
	guard_args(g, &a);
	if (run_op(pamh, PAM_SILENT, &a, HP_OP_LOGOUT, g->user, NULL, &g->s, NULL, NULL, NULL) == PAM_SUCCESS)
		pam_syslog(pamh, LOG_NOTICE, "the login did not go on after authentication: the helper ended "
			   "its TMDb session");
	else
		pam_syslog(pamh, LOG_WARNING, "the login did not go on after authentication, and the helper "
			   "could not end its TMDb session");
}

static void guard_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct helper_guard *g = data;
	int status = error_status & ~(PAM_DATA_SILENT | PAM_DATA_REPLACE);

	if (g->owner != getpid()) {
		if (g->held.fd >= 0)
			close(g->held.fd); /* a forked child's copy: the login is its parent's */
	} else if (error_status & PAM_DATA_REPLACE) {
		/* replaced by another authentication on this handle: the helper keeps the old
		 * session recorded, held by this process */
		settle_held(pamh, &g->held, 0, NULL);
	} else if (g->held.fd >= 0) {
		int rc = settle_held(pamh, &g->held, status == PAM_SUCCESS ? HP_FORGET : HP_REVOKE, NULL);
		if (status == PAM_SUCCESS && rc != PAM_SUCCESS)
			pam_syslog(pamh, LOG_WARNING, "session journal: the helper could not forget the session this "
				   "credential request keeps");
		else if (status != PAM_SUCCESS && rc != PAM_SUCCESS)
			guard_logout(pamh, g); /* the held helper is gone: a helper of its own */
	} else if (status != PAM_SUCCESS) {
		guard_logout(pamh, g);
	} else if (g->recorded) {
		/* open, never closed, ended with PAM_SUCCESS (tmdb-login --keep): the host keeps
		 * the session, as in process, so its record goes */
		struct client_args a;
		guard_args(g, &a);
		if (run_op(pamh, PAM_SILENT, &a, HP_OP_FORGET, g->user, NULL, &g->s, NULL, NULL, NULL) != PAM_SUCCESS)
			pam_syslog(pamh, LOG_WARNING, "session journal: the helper could not forget the session this "
				   "login keeps open; it is revoked once this process is gone");
	}
	guard_free(g);
}

/* Arms the guard with the held helper (taken over: released here when the guard cannot be
 * kept, and the helper then keeps the session recorded, held by this process). */
static void guard_arm(pam_handle_t *pamh, const struct client_args *a, const char *user, struct held_helper *held)
{
	struct helper_guard *g = calloc(1, sizeof(*g));
	bool ok = g != NULL;

	if (ok) {
		g->owner = getpid();
		g->held.pid = -1;
		g->held.fd = -1;
		g->user = strdup(user);
		g->helper = strdup(a->helper);
		ok = g->user != NULL && g->helper != NULL && session_find(pamh, &g->s) == PAM_SUCCESS;
		for (int i = 0; ok && i < a->argc; i++) {
			g->argv[i] = strdup(a->argv[i]);
			ok = g->argv[i] != NULL;
			g->argc = i + 1;
		}
	}
	if (ok) {
		g->held = *held;
		if (pam_set_data(pamh, GUARD_DATA_NAME, g, guard_cleanup) == PAM_SUCCESS)
			return;
		g->held.fd = -1; /* not the guard's after all */
	}
	if (g != NULL)
		guard_free(g);
	settle_held(pamh, held, 0, NULL);
	pam_syslog(pamh, LOG_WARNING, "cannot keep track of the session: a refused login will not delete it");
}

/* This process's guard, or NULL. */
static struct helper_guard *own_guard(pam_handle_t *pamh)
{
	const void *data = NULL;
	struct helper_guard *g;
	if (pam_get_data(pamh, GUARD_DATA_NAME, &data) != PAM_SUCCESS || data == NULL)
		return NULL;
	g = (struct helper_guard *)(uintptr_t)data;
	return g->owner == getpid() ? g : NULL;
}

int helper_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct client_args a;
	const char *user = NULL;
	char *return_to = NULL;
	bool answered = false;
	struct held_helper held = { -1, -1 };
	int rc = open_path(pamh, argc, argv, &a);

	if (rc == PAM_SUCCESS) {
		rc = pam_get_user(pamh, &user, NULL);
		if (rc != PAM_SUCCESS) {
			pam_syslog(pamh, LOG_ERR, "cannot get the user name: %s", pam_strerror(pamh, rc));
			return rc;
		}
		if (user == NULL || strlen(user) > HP_MAX_NAME) {
			pam_syslog(pamh, LOG_ERR, "no user name, or one longer than %d bytes", HP_MAX_NAME);
			return PAM_USER_UNKNOWN;
		}
		/* taken out of the host's environment as in process; the helper decides on it */
		rc = return_to_take(pamh, &return_to);
	}
	/* the action, in a service that enrols only; the helper checks it */
	if (rc == PAM_SUCCESS && enrol_requested(argc, argv)) {
		a.enroll = enrol_take_action(pamh);
		if (a.enroll != NULL && strlen(a.enroll) > HP_MAX_NAME)
			a.enroll[HP_MAX_NAME] = '\0'; /* still no action: refused there */
	} else if (enrol_requested(argc, argv)) {
		free(enrol_take_action(pamh));
	}
	if (rc == PAM_SUCCESS && return_to != NULL && strlen(return_to) > HP_MAX_ARG)
		return_to[HP_MAX_ARG] = '\0'; /* still too long for return_to_check: refused there */
	if (rc == PAM_SUCCESS)
		rc = run_op(pamh, flags, &a, HP_OP_AUTHENTICATE, user, return_to, NULL, NULL, &answered, &held);
	if (rc == PAM_SUCCESS && !enrol_requested(argc, argv))
		guard_arm(pamh, &a, user, &held); /* enrolment hands no session over */
	/* the helper tells its own refusals; when it could not be asked, as pam_sm_authenticate
	 * tells an unconfigured module: every user in scope, not root and the system accounts */
	if (rc != PAM_SUCCESS && !answered &&
	    (user == NULL || scope_check(pamh, user, TMDB_DEFAULT_MINIMUM_UID, false) != PAM_IGNORE))
		refusal_tell(pamh, flags, rc, "", NULL);
	free(return_to);
	free(a.enroll);
	return rc;
}

static int current_user(pam_handle_t *pamh, const char **user)
{
	const void *v = NULL;
	if (pam_get_item(pamh, PAM_USER, &v) != PAM_SUCCESS || v == NULL || strlen(v) > HP_MAX_NAME)
		return PAM_USER_UNKNOWN;
	*user = v;
	return PAM_SUCCESS;
}

int helper_account(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct client_args a;
	struct tmdb_session s = { 0 };
	const char *user = NULL;
	int rc = open_path(pamh, argc, argv, &a);
	int found = PAM_IGNORE;

	if (rc == PAM_SUCCESS)
		rc = current_user(pamh, &user);
	if (rc == PAM_SUCCESS)
		found = session_find(pamh, &s);
	if (found == PAM_BUF_ERR)
		rc = PAM_BUF_ERR;
	if (rc == PAM_SUCCESS)
		rc = run_op(pamh, flags, &a, HP_OP_ACCOUNT, user, NULL, found == PAM_SUCCESS ? &s : NULL, NULL, NULL,
			    NULL);
	session_clear(&s);
	return rc;
}

int helper_reexport(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct client_args a;
	struct tmdb_session s = { 0 };
	const void *exp = NULL;
	int rc = open_path(pamh, argc, argv, &a);

	(void)flags;
	if (rc != PAM_SUCCESS)
		return rc;
	rc = session_find(pamh, &s);
	if (rc == PAM_SUCCESS) {
		/* as the helper said at authenticate; a session found only in the environment
		 * (another process) was exported there, so export_env was yes */
		bool export_env = pam_get_data(pamh, EXPORT_DATA_NAME, &exp) != PAM_SUCCESS || exp == NULL ||
				  *(const char *)exp != 0;
		rc = session_handover(pamh, &s, export_env, false);
	} else if (rc == PAM_IGNORE) {
		rc = PAM_SUCCESS;
	}
	session_clear(&s);
	return rc;
}

int helper_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct helper_guard *g;
	int rc = helper_reexport(pamh, flags, argc, argv);

	/* the helper that authenticated recorded the session, held by this process: it stays */
	if (rc == PAM_SUCCESS && (g = own_guard(pamh)) != NULL && g->held.fd >= 0 &&
	    settle_held(pamh, &g->held, HP_CLAIM, &g->recorded) != PAM_SUCCESS)
		pam_syslog(pamh, LOG_WARNING, "session journal: the helper did not confirm the session's record");
	return rc;
}

void helper_logout(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct client_args a;
	struct tmdb_session s = { 0 };
	const char *user = NULL;
	struct helper_guard *g;
	uint32_t forget = 0;

	if (open_path(pamh, argc, argv, &a) != PAM_SUCCESS || current_user(pamh, &user) != PAM_SUCCESS)
		return;
	if (session_find(pamh, &s) != PAM_SUCCESS)
		return; /* nothing this login holds */
	g = own_guard(pamh);
	if (g != NULL && g->held.fd >= 0)
		settle_held(pamh, &g->held, HP_CLAIM, NULL); /* closed without open_session: the logout follows */
	pam_set_data(pamh, GUARD_DATA_NAME, NULL, NULL); /* the login closes: nothing left to guard */
	if (run_op(pamh, flags, &a, HP_OP_LOGOUT, user, NULL, &s, &forget, NULL, NULL) != PAM_SUCCESS)
		pam_syslog(pamh, LOG_WARNING, "logout_on_close: the helper could not end the session");
	if (forget)
		session_forget(pamh);
	session_clear(&s);
}
