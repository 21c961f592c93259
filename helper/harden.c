/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "harden.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define FIXED_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

static int reset_signals(void)
{
	static const int ignored[] = { SIGPIPE, SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU,
				       SIGALRM, SIGVTALRM, SIGPROF, SIGUSR1, SIGUSR2 };
	struct sigaction sa;
	sigset_t none;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL); /* glibc's own signals refuse: fine */
	sa.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (sigaction(ignored[i], &sa, NULL) != 0)
			return -1;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		return -1;
	/* a timer set before exec survives it */
	if (setitimer(ITIMER_REAL, &off, NULL) != 0 || setitimer(ITIMER_VIRTUAL, &off, NULL) != 0 ||
	    setitimer(ITIMER_PROF, &off, NULL) != 0)
		return -1;
	return 0;
}

int harden_process(void)
{
	struct rlimit no_core = { 0, 0 };

	/* first of all: nothing of this process may be read by its caller from now on */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -1;
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	umask(077);
	if (chdir("/") != 0)
		return -1;
	if (clearenv() != 0 || setenv("PATH", FIXED_PATH, 1) != 0)
		return -1;
	return reset_signals();
}

static void close_from(int first)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)first, ~0u, 0u) == 0)
		return;
#endif
	{
		struct rlimit rl;
		long max = 65536;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max < max)
			max = (long)rl.rlim_max;
		for (long fd = first; fd < max; fd++)
			close((int)fd);
	}
}

int harden_descriptors(const char **why)
{
	int type = 0, domain = 0, flags, null_fd;
	socklen_t len = sizeof(type);

	if (getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
		*why = "standard input is not a stream socket (pam_tmdb_helper is started by pam_tmdb.so)";
		return -1;
	}
	len = sizeof(domain);
	if (getsockopt(0, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_UNIX) {
		*why = "standard input is not a local (AF_UNIX) socket";
		return -1;
	}
	close_from(3);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, 1) != 1 || dup2(null_fd, 2) != 2) {
		*why = "cannot open /dev/null";
		return -1;
	}
	if (null_fd > 2)
		close(null_fd);
	/* blocking reads with poll (the caller may have left it non-blocking) */
	flags = fcntl(0, F_GETFL);
	if (flags < 0 || fcntl(0, F_SETFL, flags & ~O_NONBLOCK) != 0 || fcntl(0, F_SETFD, FD_CLOEXEC) != 0) {
		*why = "cannot set up the socket";
		return -1;
	}
	return 0;
}
