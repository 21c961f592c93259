/* SPDX-License-Identifier: BSD-3-Clause */
/* enrol_args.h — whether a service enrols (enrol.h), from its module arguments and the PAM
 * environment alone: what the thin pam_tmdb.so needs to answer before it loads the core. */
#ifndef PAM_TMDB_ENROL_ARGS_H
#define PAM_TMDB_ENROL_ARGS_H

#include <stdbool.h>

#include <security/pam_modules.h>

/* Is "enroll" (a true boolean) among the module arguments? The entry points that are not
 * authenticate answer from it alone. */
bool enrol_requested(int argc, const char **argv);

/* Takes the requested action out of the host's PAM environment: a fresh string (free()) or
 * NULL when there is none. */
char *enrol_take_action(pam_handle_t *pamh);

#endif
