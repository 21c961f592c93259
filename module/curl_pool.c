#include "config.h"
#include "curl_pool.h"

#include <pthread.h>
#include <stddef.h>
#include <unistd.h>

#include "fork_guard.h"

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static CURL *idle[CURL_POOL_MAX_IDLE];
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

CURL *curl_pool_take(void)
{
	CURL *h = NULL;
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&pool_lock);
	adopt_pool_if_forked();
	if (n_idle > 0)
		h = idle[--n_idle];
	pthread_mutex_unlock(&pool_lock);
	return h != NULL ? h : curl_easy_init();
}

void curl_pool_give(CURL *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	adopt_pool_if_forked();
	if (n_idle < CURL_POOL_MAX_IDLE) {
		idle[n_idle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	if (h != NULL) {
		/* closes the TLS connection: OpenSSL inside */
		fork_guard_enter();
		curl_easy_cleanup(h);
		fork_guard_leave();
	}
}
