/* SPDX-License-Identifier: BSD-3-Clause */
/* trust.h — whom the helper serves and which files it believes. Its effective user is its
 * caller, so a file the caller owns, or one it can swap (a name in a directory it may write),
 * must not configure it. */
#ifndef PAM_TMDB_HELPER_TRUST_H
#define PAM_TMDB_HELPER_TRUST_H

#include <stdbool.h>
#include <stddef.h>

/* Is user the caller's own account (getpwnam's uid equal to the real uid)? */
bool trust_own_account(const char *user);

/* Is path (a regular file, or a directory with want_dir) root's: every component of the name
 * as given and of the resolved name owned by root, each directory not writable by group or
 * others unless sticky, the last not writable by group or others? 0; -ENOENT when it does not
 * exist; another -errno with *why. */
int trust_root_path(const char *path, bool want_dir, const char **why);

#endif
