/* SPDX-License-Identifier: BSD-3-Clause */
/* browser.c — the browser is someone else's program: it gets one argument, never through a
 * shell, and nothing of ours but that argument: no terminal, no stdout, and no descriptor
 * but 0, 1 and 2 on /dev/null (only_stdio.c marks every other one close-on-exec, the module's
 * and libcurl's included). The argument is the file:// URL of the private page that leads to
 * the approval URL (approval_page.h), never the approval URL itself: a browser keeps its
 * arguments for as long as it runs, and every local user can read them. It is started only
 * with a desktop session, because a text browser without the terminal could not work and
 * would leave the user waiting. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "browser.h"
#include "login.h"
#include "only_stdio.h"
#include "approval_page.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void browser_free_argv(char **argv)
{
	if (argv == NULL)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

char **browser_split(const char *line)
{
	size_t cap = strlen(line) + 2, argc = 0;
	char **argv = calloc(cap, sizeof *argv);
	const char *p = line;

	if (argv == NULL)
		return NULL;
	for (;;) {
		char *word, *w;
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		word = w = malloc(strlen(p) + 1);
		if (word == NULL)
			goto fail;
		argv[argc++] = word;
		for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && quote == '"' && (p[1] == '"' || p[1] == '\\'))
					*w++ = *++p;
				else
					*w++ = *p;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1] != '\0') {
				*w++ = *++p;
			} else {
				*w++ = *p;
			}
		}
		*w = '\0';
		if (quote)
			goto fail;
	}
	if (argc == 0)
		goto fail;
	return argv;
fail:
	browser_free_argv(argv);
	return NULL;
}

/* argv with the URL put in place of "%s", or appended. */
static char **with_url(char **argv, const char *url)
{
	size_t n = 0;
	bool placed = false;
	char **out;

	while (argv[n])
		n++;
	out = calloc(n + 2, sizeof *out);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char *pct = strstr(argv[i], "%s");
		if (pct != NULL && !placed) {
			size_t len = strlen(argv[i]) - 2 + strlen(url) + 1;
			out[i] = malloc(len);
			if (out[i] != NULL) {
				memcpy(out[i], argv[i], (size_t)(pct - argv[i]));
				strcpy(out[i] + (pct - argv[i]), url);
				strcat(out[i], pct + 2);
			}
			placed = true;
		} else {
			out[i] = strdup(argv[i]);
		}
		if (out[i] == NULL) {
			browser_free_argv(out);
			return NULL;
		}
	}
	if (!placed && (out[n] = strdup(url)) == NULL) {
		browser_free_argv(out);
		return NULL;
	}
	return out;
}

static char **browser_command(const char *url)
{
	const char *env = getenv("BROWSER");
	char **argv, **full;

	if (env != NULL && *env != '\0') {
		char *first = strndup(env, strcspn(env, ":"));
		if (first == NULL)
			return NULL;
		argv = browser_split(first);
		free(first);
		if (argv == NULL) {
			say("$BROWSER is empty or unbalanced; not opening a browser");
			return NULL;
		}
	} else {
		argv = browser_split("xdg-open");
		if (argv == NULL)
			return NULL;
	}
	full = with_url(argv, url);
	browser_free_argv(argv);
	return full;
}

/* The grandchild: detached from us and from the terminal. */
static void exec_detached(char **argv, int report_fd)
{
	int null = open("/dev/null", O_RDWR);
	int err;

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(126);
	if (null > 2)
		close(null);
	setsid();
	only_stdio_at_exec();
	execvp(argv[0], argv);
	err = errno;
	(void)!write(report_fd, &err, sizeof err);
	_exit(127);
}

bool browser_open(const char *url, bool quiet, struct approval_page *page)
{
	const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
	char **argv;
	int report[2], err = 0, status;
	pid_t child;
	ssize_t k;

	if ((display == NULL || *display == '\0') && (wayland == NULL || *wayland == '\0'))
		return false;
	if (!approval_page_make(page, url)) {
		say("not opening a browser: open the URL above yourself");
		return false;
	}
	argv = browser_command(page->file_url);
	if (argv == NULL)
		return false;
	if (pipe2(report, O_CLOEXEC) != 0) {
		browser_free_argv(argv);
		return false;
	}
	/* double fork: the browser is not our child, so it leaves no zombie and gets no signal
	 * meant for us or for an --exec command */
	child = fork();
	if (child == 0) {
		close(report[0]);
		if (fork() == 0)
			exec_detached(argv, report[1]);
		_exit(0);
	}
	close(report[1]);
	if (child > 0)
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	/* the write end closes at the browser's exec (O_CLOEXEC) or carries its errno */
	do
		k = read(report[0], &err, sizeof err);
	while (k < 0 && errno == EINTR);
	close(report[0]);
	if (child < 0 || k == (ssize_t)sizeof err) {
		say("could not start the browser %s: %s", argv[0], child < 0 ? strerror(errno) : strerror(err));
		browser_free_argv(argv);
		return false;
	}
	if (!quiet)
		say("opened the approval page with %s", argv[0]);
	browser_free_argv(argv);
	return true;
}
