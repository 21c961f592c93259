/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "curl_pool.h"

#include <pthread.h>
#include <stddef.h>
#include <unistd.h>

#include "cloexec.h"
#include "fork_guard.h"

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static struct curl_pair idle[CURL_POOL_MAX_IDLE];
static size_t n_idle;
static pid_t pool_pid;

/* A threaded host that forks while another thread holds pool_lock would leave the child with
 * a lock nobody can release. The lock is taken around fork() and released on both sides, so
 * the child always starts with it free. (The module stays loaded, -z nodelete, so these
 * handlers never point into unmapped code.) */
static void before_fork(void)
{
	pthread_mutex_lock(&pool_lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&pool_lock);
}

/* the child's one thread did not take the lock under its own id: start from a fresh one */
static void after_fork_child(void)
{
	pthread_mutex_init(&pool_lock, NULL);
}

static void register_atfork(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* After fork the idle handles belong to the parent: closing them would send TLS close_notify
 * on the parent's sockets, using them would interleave with its traffic. Forget them (the
 * child leaks their memory, a bounded and one-time cost). Called with the lock held. */
static void adopt_pool_if_forked(void)
{
	pid_t me = getpid();
	if (pool_pid != me) {
		n_idle = 0;
		pool_pid = me;
	}
}

bool curl_pool_take(struct curl_pair *out)
{
	bool found = false;
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&pool_lock);
	adopt_pool_if_forked();
	if (n_idle > 0) {
		*out = idle[--n_idle];
		found = true;
	}
	pthread_mutex_unlock(&pool_lock);
	if (found)
		return true;
	out->easy = curl_easy_init();
	out->multi = out->easy != NULL ? cloexec_multi_init() : NULL;
	if (out->multi == NULL) {
		curl_easy_cleanup(out->easy);
		out->easy = NULL;
		return false;
	}
	return true;
}

void curl_pool_give(struct curl_pair *p)
{
	bool kept = false;
	if (p == NULL || p->easy == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	adopt_pool_if_forked();
	if (n_idle < CURL_POOL_MAX_IDLE) {
		idle[n_idle++] = *p;
		kept = true;
	}
	pthread_mutex_unlock(&pool_lock);
	if (!kept) {
		/* closes the TLS connection (the multi's cache holds it): OpenSSL inside */
		fork_guard_enter();
		curl_multi_cleanup(p->multi);
		curl_easy_cleanup(p->easy);
		fork_guard_leave();
	}
	p->easy = NULL;
	p->multi = NULL;
}
