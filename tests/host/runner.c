/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs the op list: once (events for everything), or --repeat N times on each of --threads T
 * threads, each round its own pam_start/pam_end transaction with its own conversation state,
 * then one summary event. With --fork-during-threads the main thread forks meanwhile
 * (fork_storm.c).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <stdatomic.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RSS_MARKS 7
static const unsigned long rss_marks[RSS_MARKS] = {1, 10, 100, 1000, 10000, 100000, 1000000};

struct load {
	const struct host_opts *o;
	atomic_ulong done, ok, failed, logs;
	atomic_ulong busy;		/* workers inside a transaction now, for fork_storm */
	atomic_ulong running;		/* workers not finished */
	atomic_ulong fail_rc[32 + 1];	/* by first failing rc; [32] = other */
	long rss_kb_at[RSS_MARKS];	/* each slot written by the one thread that reached it */
};

struct worker {
	struct load *load;
	pthread_t tid;
	uint64_t *sessions;	/* FNV-1a hashes of TMDB_SESSION_ID values */
	size_t n_sessions, cap_sessions;
};

static long rss_kb_now(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak RSS of this process image: VmHWM, since getrusage's ru_maxrss carries over execve
 * and would report a large parent's peak. */
static long peak_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int start_handle(struct txn *t, struct pam_conv *conv, pam_handle_t **pamh, char **carry_env)
{
	const struct host_opts *o = t->o;
	int rc;

	conv->conv = o->no_conv ? NULL : host_conv;
	conv->appdata_ptr = t;
	*pamh = NULL;
#ifdef HAVE_PAM_START_CONFDIR
	if (!o->no_confdir)
		rc = pam_start_confdir(o->service, o->user, conv, o->confdir, pamh);
	else
#endif
		rc = pam_start(o->service, o->user, conv, pamh);
	if (rc != PAM_SUCCESS) {
		if (!t->quiet)
			ev_op("start", rc);
		*pamh = NULL;
		return rc;
	}
	for (size_t i = 0; carry_env && carry_env[i]; i++)
		pam_putenv(*pamh, carry_env[i]);
	if (o->rhost != NULL) {
		int prc = pam_set_item(*pamh, PAM_RHOST, o->rhost);
		if (prc != PAM_SUCCESS && !t->quiet)
			ev_op("set_item", prc);
	}
	for (size_t i = 0; i < o->n_set_env; i++) {
		int prc = pam_putenv(*pamh, o->set_env[i]);
		if (prc != PAM_SUCCESS && !t->quiet)
			ev_op("putenv", prc);
	}
	for (size_t i = 0; i < o->n_set_item; i++) {
		int prc = pam_set_item(*pamh, host_item_type(o->set_item[i]), strchr(o->set_item[i], '=') + 1);
		if (prc != PAM_SUCCESS && !t->quiet)
			ev_op("set_item", prc);
	}
	return PAM_SUCCESS;
}

static void free_envlist(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

static void print_env(pam_handle_t *pamh)
{
	char **env = pam_getenvlist(pamh);
	for (size_t i = 0; env && env[i]; i++) {
		char *eq = strchr(env[i], '=');
		struct jbuf b;
		ev_begin(&b, "env");
		if (eq) {
			*eq = '\0';	/* our own copy */
			ev_str(&b, "name", env[i]);
			ev_str(&b, "value", eq + 1);
		} else {
			ev_str(&b, "name", env[i]);
			ev_str(&b, "value", "");
		}
		ev_end(&b);
	}
	free_envlist(env);
}

static int call_op(pam_handle_t *pamh, const struct host_op *op, int silent)
{
	switch (op->kind) {
	case OP_AUTHENTICATE: return pam_authenticate(pamh, silent);
	case OP_ACCT_MGMT: return pam_acct_mgmt(pamh, silent);
	case OP_SETCRED: return pam_setcred(pamh, op->flags | silent);
	case OP_OPEN_SESSION: return pam_open_session(pamh, silent);
	case OP_CLOSE_SESSION: return pam_close_session(pamh, silent);
	case OP_CHAUTHTOK: return pam_chauthtok(pamh, silent);
	default: return PAM_SYSTEM_ERR;
	}
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The exit code of a child this host forked; PAM_SYSTEM_ERR when it did not exit by itself. */
static int child_exit_code(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return PAM_SYSTEM_ERR;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : PAM_SYSTEM_ERR;
}

/*
 * "fork:OP": the op runs in a child process on its copy of the handle, as OpenSSH runs
 * setcred/open_session/close_session after forking; the child prints the op's event and
 * exits with its code; the parent goes on with the handle it kept.
 */
static int call_op_in_child(struct txn *t, pam_handle_t *pamh, const struct host_op *op, int silent)
{
	pid_t pid;

	txn_join_bg(t);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return PAM_SYSTEM_ERR;
	if (pid == 0) {
		int rc = call_op(pamh, op, silent);
		if (!t->quiet)
			ev_op(op->name, rc);
		fflush(stdout);
		_exit(rc & 0x7f);
	}
	return child_exit_code(pid);
}

/*
 * "spawn:CMD": a program started the way su and login start the user's shell, with every
 * descriptor the process has that is not close-on-exec (the module's included, if it left any).
 */
static int spawn_program(struct txn *t, const char *command)
{
	pid_t pid;

	txn_join_bg(t);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return PAM_SYSTEM_ERR;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	return child_exit_code(pid) == 0 ? PAM_SUCCESS : PAM_SYSTEM_ERR;
}

/*
 * One transaction: pam_start, the ops, (env events), pam_end.
 * Returns 0 if every op returned PAM_SUCCESS, else the first failing rc.
 * *session receives a hash of the TMDB_SESSION_ID seen (0 = none).
 */
static int run_transaction(struct txn *t, int print_final_env, uint64_t *session)
{
	const struct host_opts *o = t->o;
	struct pam_conv conv;
	pam_handle_t *pamh = NULL;
	int silent = o->silent ? PAM_SILENT : 0;
	int last = PAM_SUCCESS, first_fail = PAM_SUCCESS;
	int rc;

	*session = 0;
	host_set_current_txn(t);
	rc = start_handle(t, &conv, &pamh, NULL);
	if (rc != PAM_SUCCESS) {
		host_set_current_txn(NULL);
		return rc;
	}
	for (size_t i = 0; i < o->n_ops; i++) {
		const struct host_op *op = &o->ops[i];

		if (op->kind == OP_ENV) {
			if (!t->quiet)
				print_env(pamh);
			continue;
		}
		if (op->kind == OP_STOP) {
			txn_join_bg(t);
			if (!t->quiet)
				ev_op(op->name, PAM_SUCCESS);
			fflush(stdout);
			raise(SIGSTOP);
			continue;
		}
		if (op->kind == OP_END || op->kind == OP_END_KEEPENV) {
			char **carry = op->kind == OP_END_KEEPENV ? pam_getenvlist(pamh) : NULL;
			txn_join_bg(t);
			rc = pam_end(pamh, op->flags != 0 ? op->flags : last);
			pamh = NULL;
			if (!t->quiet)
				ev_op(op->name, rc);
			if (rc == PAM_SUCCESS)
				rc = start_handle(t, &conv, &pamh, carry);
			free_envlist(carry);
		} else if (op->kind == OP_SPAWN) {
			rc = spawn_program(t, op->command);
			if (!t->quiet)
				ev_op(op->name, rc);
		} else if (op->in_child) {
			rc = call_op_in_child(t, pamh, op, silent);
		} else {
			rc = call_op(pamh, op, silent);
			txn_join_bg(t);	/* a poll-mode approval belongs to this op */
			if (!t->quiet)
				ev_op(op->name, rc);
		}
		last = rc;
		if (rc != PAM_SUCCESS) {
			if (first_fail == PAM_SUCCESS)
				first_fail = rc;
			if (!o->keep_going || !pamh)
				break;
		}
	}
	txn_join_bg(t);
	if (pamh) {
		const char *sid = pam_getenv(pamh, "TMDB_SESSION_ID");
		if (!sid || !*sid)
			sid = t->conv_session;
		if (sid && *sid)
			*session = fnv1a(sid) | 1;	/* never 0 */
		if (print_final_env && !t->quiet)
			print_env(pamh);
		pam_end(pamh, last);
	} else if (t->conv_session && *t->conv_session) {
		*session = fnv1a(t->conv_session) | 1;
	}
	host_set_current_txn(NULL);
	return first_fail;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct load *l = w->load;
	const struct host_opts *o = l->o;

	/* The session list is allocated and touched up front, so that the RSS figures measure
	 * the module and libpam, not this bookkeeping growing with the transaction count. */
	w->sessions = calloc(o->repeat ? o->repeat : 1, sizeof *w->sessions);
	if (w->sessions != NULL) {
		memset(w->sessions, 0xff, (o->repeat ? o->repeat : 1) * sizeof *w->sessions);
		w->cap_sessions = o->repeat;
	}
	for (unsigned long i = 0; i < o->repeat; i++) {
		struct txn t;
		uint64_t sid;
		int rc;

		txn_reset(&t, o, !o->verbose);
		atomic_fetch_add(&l->busy, 1);
		rc = run_transaction(&t, o->verbose, &sid);
		atomic_fetch_sub(&l->busy, 1);
		atomic_fetch_add(&l->logs, t.logs);
		if (o->verbose) {
			struct jbuf b;
			ev_begin(&b, "txn");
			ev_int(&b, "n", (long long)i + 1);
			ev_int(&b, "rc", rc);
			ev_str(&b, "name", pam_rc_name(rc));
			ev_end(&b);
		}
		txn_free(&t);
		if (rc == PAM_SUCCESS)
			atomic_fetch_add(&l->ok, 1);
		else {
			atomic_fetch_add(&l->failed, 1);
			atomic_fetch_add(&l->fail_rc[rc >= 0 && rc < 32 ? rc : 32], 1);
		}
		if (sid) {
			if (w->n_sessions == w->cap_sessions) {
				size_t cap = w->cap_sessions ? 2 * w->cap_sessions : 64;
				uint64_t *p = realloc(w->sessions, cap * sizeof *p);
				if (p) {
					w->sessions = p;
					w->cap_sessions = cap;
				}
			}
			if (w->n_sessions < w->cap_sessions)
				w->sessions[w->n_sessions++] = sid;
		}
		unsigned long n = atomic_fetch_add(&l->done, 1) + 1;
		for (int m = 0; m < RSS_MARKS; m++)
			if (rss_marks[m] == n)
				l->rss_kb_at[m] = rss_kb_now();
	}
	atomic_fetch_sub(&l->running, 1);
	return NULL;
}

int host_child_transaction(const struct host_opts *o)
{
	/* No approvals: they would run libcurl (and a thread) of this host in the child. */
	struct host_opts co = *o;
	struct txn t;
	uint64_t sid;
	int rc;

	co.approve_as = NULL;
	co.deny = 0;
	txn_reset(&t, &co, 1);
	rc = run_transaction(&t, 0, &sid);
	txn_free(&t);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int run_load(const struct host_opts *o)
{
	struct load l;
	struct worker *w = calloc(o->threads, sizeof *w);
	struct timespec t0, t1;
	size_t total = 0, distinct = 0;
	uint64_t *all;
	struct jbuf b, obj;

	if (!w) {
		fprintf(stderr, "tmdb-host: out of memory\n");
		return 1;
	}
	memset(&l, 0, sizeof l);
	l.o = o;
	atomic_init(&l.done, 0);
	atomic_init(&l.ok, 0);
	atomic_init(&l.failed, 0);
	atomic_init(&l.logs, 0);
	atomic_init(&l.busy, 0);
	atomic_init(&l.running, 0);
	for (int i = 0; i <= 32; i++)
		atomic_init(&l.fail_rc[i], 0);
	for (int m = 0; m < RSS_MARKS; m++)
		l.rss_kb_at[m] = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned long started = 0, fork_failed = 0;
	/* A single worker runs on the main thread, unless the main thread has to fork meanwhile. */
	int inline_worker = o->threads == 1 && !o->fork_during;
	for (unsigned long i = 0; i < o->threads; i++) {
		w[i].load = &l;
		atomic_fetch_add(&l.running, 1);
		if (inline_worker) {
			worker_main(&w[i]);
		} else if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
			atomic_fetch_sub(&l.running, 1);
			fprintf(stderr, "tmdb-host: cannot start thread %lu\n", i);
			break;
		}
		started++;
	}
	if (o->fork_during)
		fork_failed = fork_storm(o, &l.busy, &l.running);
	if (!inline_worker)
		for (unsigned long i = 0; i < started; i++)
			pthread_join(w[i].tid, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (unsigned long i = 0; i < o->threads; i++)
		total += w[i].n_sessions;
	all = malloc((total ? total : 1) * sizeof *all);
	if (all) {
		size_t k = 0;
		for (unsigned long i = 0; i < o->threads; i++) {
			if (w[i].n_sessions)
				memcpy(all + k, w[i].sessions, w[i].n_sessions * sizeof *all);
			k += w[i].n_sessions;
		}
		qsort(all, total, sizeof *all, cmp_u64);
		for (size_t i = 0; i < total; i++)
			if (i == 0 || all[i] != all[i - 1])
				distinct++;
		free(all);
	}
	for (unsigned long i = 0; i < o->threads; i++)
		free(w[i].sessions);
	free(w);

	unsigned long done = atomic_load(&l.done), failed = atomic_load(&l.failed);
	ev_begin(&b, "summary");
	ev_int(&b, "transactions", (long long)done);
	ev_int(&b, "ok", (long long)atomic_load(&l.ok));
	ev_int(&b, "failed", (long long)failed);
	ev_int(&b, "distinct_sessions", (long long)distinct);
	ev_int(&b, "threads", (long long)started);
	ev_double(&b, "seconds",
		  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	jb_init(&obj);
	jb_raw(&obj, "{");
	for (int m = 0, first = 1; m < RSS_MARKS; m++) {
		char item[64];
		if (l.rss_kb_at[m] < 0)
			continue;
		snprintf(item, sizeof item, "%s\"%lu\":%ld", first ? "" : ",", rss_marks[m],
			 l.rss_kb_at[m]);
		jb_raw(&obj, item);
		first = 0;
	}
	jb_raw(&obj, "}");
	ev_rawval(&b, "rss_kb_at", obj.oom ? "{}" : obj.p);
	jb_free(&obj);
	ev_int(&b, "max_rss_kb", peak_rss_kb());
	ev_int(&b, "logs", (long long)atomic_load(&l.logs));
	jb_init(&obj);
	jb_raw(&obj, "{");
	for (int i = 0, first = 1; i <= 32; i++) {
		unsigned long n = atomic_load(&l.fail_rc[i]);
		if (!n)
			continue;
		if (!first)
			jb_raw(&obj, ",");
		jb_string(&obj, i < 32 ? pam_rc_name(i) : "PAM_UNKNOWN_RC");
		char num[32];
		snprintf(num, sizeof num, ":%lu", n);
		jb_raw(&obj, num);
		first = 0;
	}
	jb_raw(&obj, "}");
	ev_rawval(&b, "fail_rc", obj.oom ? "{}" : obj.p);
	jb_free(&obj);
	if (o->fork_during) {
		ev_int(&b, "fork_children", (long long)o->fork_during);
		ev_int(&b, "fork_failed", (long long)fork_failed);
	}
	ev_end(&b);
	return failed == 0 && fork_failed == 0 && done == o->repeat * o->threads ? 0 : 1;
}

int host_run(const struct host_opts *o)
{
	int ret;

	if (o->load_mode) {
		ret = run_load(o);
	} else {
		struct txn t;
		uint64_t sid;
		txn_reset(&t, o, 0);
		ret = run_transaction(&t, 1, &sid) == PAM_SUCCESS ? 0 : 1;
		txn_free(&t);
	}
	struct jbuf b;
	ev_begin(&b, "end");
	ev_end(&b);
	return ret;
}
