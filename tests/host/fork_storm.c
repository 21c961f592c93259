/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --fork-during-threads K: while the worker threads run their PAM transactions, the main thread
 * forks K times, --fork-interval-ms apart. Each child is a copy of the process with only the
 * forking thread left; whatever lock another thread held at that moment (the module's, libcurl's,
 * OpenSSL's, libc's) stays held forever in the child. The child runs one fresh transaction of the
 * op list and _exits with its result, so a module that is not fork-safe shows up as a child that
 * hangs ("timeout", killed after --fork-timeout seconds) or dies ("signal").
 *
 * The fork itself waits until no thread is inside dlopen/dlclose (dl_guard.c: a glibc limit,
 * not the module's). The child must not wait on a lock of this host either, or the host would
 * report its own deadlock as the module's: it prints nothing (jsonout.c's lock and stdout's
 * buffer may be mid-use by a worker), logs are counted not printed (quiet transaction), no
 * browser approval (libcurl and a thread of our own; let the stand-in auto-approve instead), and
 * _exit instead of exit (no stdio flush of the parent's half-written buffer, no atexit handlers).
 * The parent reaps by pid, never waitpid(-1), so that the workers' "fork:OP" children stay theirs.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct child {
	pid_t pid;			/* 0 once reported */
	struct timespec started;
	unsigned long busy_at_fork;
	unsigned long running_at_fork;
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void sleep_ms(unsigned long ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void report(unsigned long n, const struct child *c, const char *status, int rc, int sig,
		   const char *error)
{
	struct jbuf b;

	ev_begin(&b, "fork_child");
	ev_int(&b, "n", (long long)n);
	ev_int(&b, "pid", (long long)c->pid);
	ev_str(&b, "status", status);
	if (rc >= 0) {
		ev_int(&b, "rc", rc);
		ev_str(&b, "name", pam_rc_name(rc));
	} else {
		ev_rawval(&b, "rc", "null");
		ev_rawval(&b, "name", "null");
	}
	if (sig)
		ev_int(&b, "signal", sig);
	if (error)
		ev_str(&b, "error", error);
	ev_int(&b, "threads_busy", (long long)c->busy_at_fork);
	ev_int(&b, "threads_running", (long long)c->running_at_fork);
	ev_double(&b, "seconds", since(&c->started));
	ev_end(&b);
}

/* Reports the children that ended and kills (and reports) those past --fork-timeout.
 * Returns how many of them failed. */
static unsigned long reap(const struct host_opts *o, struct child *kids, unsigned long n,
			  unsigned long *open)
{
	unsigned long failed = 0;

	for (unsigned long i = 0; i < n; i++) {
		struct child *c = &kids[i];
		int status, timed_out = 0;
		pid_t r;

		if (c->pid <= 0)
			continue;
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == 0 && since(&c->started) >= (double)o->fork_timeout) {
			kill(c->pid, SIGKILL);
			timed_out = 1;
			do
				r = waitpid(c->pid, &status, 0);
			while (r < 0 && errno == EINTR);
		}
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		if (r < 0)
			report(i + 1, c, "error", -1, 0, strerror(errno));
		else if (timed_out)
			report(i + 1, c, "timeout", -1, SIGKILL, NULL);
		else if (WIFEXITED(status))
			report(i + 1, c, "exited", WEXITSTATUS(status), 0, NULL);
		else
			report(i + 1, c, "signal", -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0, NULL);
		if (r < 0 || timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != PAM_SUCCESS)
			failed++;
		c->pid = 0;
		(*open)--;
	}
	return failed;
}

unsigned long fork_storm(const struct host_opts *o, atomic_ulong *busy, atomic_ulong *running)
{
	struct child *kids = calloc(o->fork_during, sizeof *kids);
	unsigned long failed = 0, open = 0;
	struct timespec t0;

	if (!kids)
		return o->fork_during;
	/* The forks are only worth anything while a worker is inside PAM: wait (up to 5 s) for the
	 * first one to get there. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(busy) == 0 && atomic_load(running) > 0 && since(&t0) < 5.0)
		sleep_ms(1);
	for (unsigned long i = 0; i < o->fork_during; i++) {
		struct child *c = &kids[i];

		if (i > 0)
			sleep_ms(o->fork_interval_ms);
		c->busy_at_fork = atomic_load(busy);
		c->running_at_fork = atomic_load(running);
		dl_guard_hold();
		clock_gettime(CLOCK_MONOTONIC, &c->started);
		c->pid = fork();
		if (c->pid == 0) {
			dl_guard_child();
			_exit(host_child_transaction(o) & 0xff);
		}
		dl_guard_release();
		if (c->pid < 0) {
			int e = errno;
			c->pid = -1;
			report(i + 1, c, "error", -1, 0, strerror(e));
			failed++;
			continue;
		}
		open++;
		failed += reap(o, kids, i + 1, &open);
	}
	while (open > 0) {
		failed += reap(o, kids, o->fork_during, &open);
		if (open > 0)
			sleep_ms(1);
	}
	free(kids);
	return failed;
}
