/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dlopen/dlclose guard for --fork-during-threads. glibc (2.36 here) lets fork() run while
 * another thread is inside dlopen or dlclose: the child inherits the dynamic linker's
 * half-updated object list and dies at its first dlopen ("Inconsistency detected by ld.so:
 * dl-open.c: ... r_state == RT_CONSISTENT", exit 127). libpam dlopens every module of the stack
 * on each pam_start and dlcloses it at pam_end, so with threads busy in PAM a fair share of the
 * children died that way, whatever the module under test does. That is libc's business, not the
 * module's, so fork_storm.c forks only while no thread is inside dlopen/dlclose.
 *
 * Like syslog_capture.c this relies on --export-dynamic: the executable's dlopen and dlclose
 * come first in the global scope, so libpam's, pam_wrapper's and the modules' calls land here
 * and go on to the next definition (libc's, or a sanitizer's interceptor). dlopen then sees this
 * executable as its caller, which only matters for $ORIGIN and the caller's RUNPATH: libpam
 * opens modules by absolute path. Readers are the dlopen/dlclose calls (per-thread depth, since
 * a constructor run by dlopen may dlopen again); the writer is the fork. Writers are preferred,
 * or a storm of transactions could keep the fork waiting for ever.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void *dlopen(const char *file, int mode);
int dlclose(void *handle);

static pthread_rwlock_t guard;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *(*real_dlopen)(const char *, int);
static int (*real_dlclose)(void *);
static _Thread_local unsigned depth;
static int bypass;	/* set in a forked child, which is the only thread left there */

static void init(void)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&guard, &attr);
	pthread_rwlockattr_destroy(&attr);
	real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	if (!real_dlopen || !real_dlclose) {
		fputs("tmdb-host: dlsym(RTLD_NEXT) found no dlopen/dlclose\n", stderr);
		abort();
	}
}

static void enter(void)
{
	pthread_once(&once, init);
	if (!bypass && depth++ == 0)
		pthread_rwlock_rdlock(&guard);
}

static void leave(void)
{
	if (!bypass && --depth == 0)
		pthread_rwlock_unlock(&guard);
}

void *dlopen(const char *file, int mode)
{
	void *h;

	enter();
	h = real_dlopen(file, mode);
	leave();
	return h;
}

int dlclose(void *handle)
{
	int rc;

	enter();
	rc = real_dlclose(handle);
	leave();
	return rc;
}

void dl_guard_hold(void)
{
	pthread_once(&once, init);
	pthread_rwlock_wrlock(&guard);
}

void dl_guard_release(void)
{
	pthread_rwlock_unlock(&guard);
}

void dl_guard_child(void)
{
	/* The copied lock is write-held by a thread id that no longer exists here (the child has a
	 * new tid, so even unlocking it is not possible): stop using it. */
	bypass = 1;
}
