/* SPDX-License-Identifier: BSD-3-Clause */
/* approval_page.h — the approval URL handed to the browser without standing in any process's
 * arguments: /proc/PID/cmdline is readable by every local user, and the URL carries the request
 * token and, with a return address, its secret path. The browser is given a file:// URL of a
 * local page that redirects to the approval URL; the page is 0600 in a fresh 0700 directory. */
#ifndef TMDB_LOGIN_APPROVAL_PAGE_H
#define TMDB_LOGIN_APPROVAL_PAGE_H

#include <stdbool.h>

struct approval_page {
	char *dir;      /* the 0700 directory, NULL when there is no page */
	char *file;     /* dir/approve.html */
	char *file_url; /* file://… of file, percent-encoded */
};

/* Writes the page for url (an http(s) URL) into a new directory under $XDG_RUNTIME_DIR when it
 * is a directory of ours that no one else may write, else under $TMPDIR or /tmp. Returns false
 * (with the reason said on stderr) when no private page could be made. */
bool approval_page_make(struct approval_page *p, const char *url);

/* Removes the page and its directory and frees the names (a page never made is fine). */
void approval_page_remove(struct approval_page *p);

/* The page's HTML for url, to free; NULL when out of memory. (For the unit test.) */
char *approval_page_html(const char *url);

#endif
