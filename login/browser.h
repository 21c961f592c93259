/* SPDX-License-Identifier: BSD-3-Clause */
/* browser.h — opening the approval URL in the user's browser. */
#ifndef TMDB_LOGIN_BROWSER_H
#define TMDB_LOGIN_BROWSER_H

#include <stdbool.h>

struct approval_page;

/* Opens the approval URL url through a private page (approval_page.h, made into *page, which
 * the caller removes once the authentication is over): the browser is started on the page's
 * file:// URL with $BROWSER (the first entry of a colon-separated list, split like a command
 * line; "%s" in it is replaced by the URL, else the URL is appended) or else xdg-open, but
 * only when a desktop session is there (DISPLAY or WAYLAND_DISPLAY set). The browser runs
 * detached, in a session of its own, with stdin, stdout and stderr on /dev/null. Returns true
 * when a browser was started. */
bool browser_open(const char *url, bool quiet, struct approval_page *page);

/* Splits a command line at blanks, with '…' and "…" quoting and \ escapes (no expansions).
 * Returns a NULL-terminated vector to free with browser_free_argv, or NULL when the line is
 * empty, unbalanced or out of memory. */
char **browser_split(const char *line);
void browser_free_argv(char **argv);

#endif
