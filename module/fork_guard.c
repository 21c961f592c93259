/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "fork_guard.h"

#include <pthread.h>

static pthread_rwlock_t guard;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void make_guard(void)
{
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	/* a waiting fork must not be starved by a steady stream of new requests */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&guard, &attr);
	pthread_rwlockattr_destroy(&attr);
}

static void before_fork(void)
{
	pthread_rwlock_wrlock(&guard);
}

static void after_fork_parent(void)
{
	pthread_rwlock_unlock(&guard);
}

/* The child's only thread has another thread id than the one that took the lock, and glibc's
 * unlock tells a writer by that id: a fresh lock instead (nothing else can hold it here). */
static void after_fork_child(void)
{
	make_guard();
}

static void guard_init(void)
{
	make_guard();
	/* the module stays loaded (-z nodelete), so these handlers never point into unmapped code */
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

void fork_guard_enter(void)
{
	pthread_once(&guard_once, guard_init);
	pthread_rwlock_rdlock(&guard);
}

void fork_guard_leave(void)
{
	pthread_rwlock_unlock(&guard);
}
