/* SPDX-License-Identifier: BSD-3-Clause */
/* run_command.c — the command gets standard input, output and error and no other descriptor
 * (only_stdio.h). It runs as our child, so that the PAM session can be closed (and
 * the TMDb session deleted) after it ends, whatever way it ends. A signal meant to stop the
 * login (kill, a service manager) is passed on to the command; the terminal's own Ctrl-C
 * already reaches the command, which is in our process group, so it is not sent twice. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "run_command.h"
#include "login.h"
#include "only_stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t running_child;
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP };
#define N_FORWARDED (sizeof forwarded / sizeof forwarded[0])

static void forward(int sig, siginfo_t *info, void *ctx)
{
	int saved = errno;

	(void)ctx;
	if (running_child > 0 && info->si_code != SI_KERNEL)
		kill(running_child, sig);
	errno = saved;
}

int run_command(char *const argv[], char *const envp[])
{
	struct sigaction sa, old[N_FORWARDED];
	sigset_t block, saved_mask;
	int report[2], err = 0, status = 0;
	ssize_t k;
	pid_t pid, w = -1;

	if (pipe2(report, O_CLOEXEC) != 0) {
		say("cannot run %s: %s", argv[0], strerror(errno));
		return EXIT_CMD_NOEXEC;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	/* no signal between fork and knowing the child's pid */
	sigprocmask(SIG_BLOCK, &block, &saved_mask);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &sa, &old[i]);
	pid = fork();
	if (pid == 0) {
		close(report[0]);
		for (size_t i = 0; i < N_FORWARDED; i++)
			signal(forwarded[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &saved_mask, NULL);
		only_stdio_at_exec();
		execvpe(argv[0], argv, envp);
		err = errno;
		(void)!write(report[1], &err, sizeof err);
		_exit(err == ENOENT ? EXIT_CMD_NOTFOUND : EXIT_CMD_NOEXEC);
	}
	close(report[1]);
	if (pid < 0) {
		say("cannot run %s: %s", argv[0], strerror(errno));
		status = -1;
	} else {
		running_child = pid;
	}
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	if (pid > 0) {
		do
			k = read(report[0], &err, sizeof err);
		while (k < 0 && errno == EINTR);
		if (k == (ssize_t)sizeof err)
			say("cannot run %s: %s", argv[0], strerror(err));
		do
			w = waitpid(pid, &status, 0);
		while (w < 0 && errno == EINTR);
	}
	close(report[0]);
	running_child = 0;
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &old[i], NULL);
	if (pid < 0 || w < 0)
		return EXIT_CMD_NOEXEC;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
