/* SPDX-License-Identifier: BSD-3-Clause */
/* scope_first.h — the minimum_uid that decides scope before the configuration is parsed.
 *
 * Root and the system accounts must never depend on pam_tmdb's configuration: a typo in the
 * file, a missing key or a broken upgrade would otherwise turn their login into
 * PAM_SERVICE_ERR, which the documented stacks ([... default=die]) make a refusal. So every
 * entry point decides scope first, with the minimum_uid of, in this order: the module argument,
 * the configuration file's minimum_uid line (read leniently: the rest of the file may be
 * broken), the built-in default. */
#ifndef PAM_TMDB_SCOPE_FIRST_H
#define PAM_TMDB_SCOPE_FIRST_H

#include <stdbool.h>
#include <stddef.h>

/* The minimum_uid to decide scope with, from the module arguments (conf= and minimum_uid=)
 * and that file. A value that is not a valid minimum_uid is passed over (the full parse
 * reports it later, for users in scope). Never fails: the default is the last resort. */
long scope_first_minimum_uid(int argc, const char **argv);

/* Whether the module arguments ask for debug ("debug", or debug= a true boolean): the scope
 * decision is logged before the configuration is read, so only the arguments can ask for it. */
bool scope_first_debug(int argc, const char **argv);

/* The minimum_uid line of configuration text (the last valid one wins, as in the parser), or
 * fallback when there is none. Exposed for the unit tests. */
long scope_first_scan(const char *text, size_t len, long fallback);

#endif
