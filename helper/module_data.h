/* SPDX-License-Identifier: BSD-3-Clause */
/* module_data.h — pam_set_data and pam_get_data for the helper's PAM handle. libpam keeps
 * module data only for the modules it runs itself ("called from application!?" otherwise),
 * and the helper runs the module's code as the application: these definitions in the
 * executable take the place of libpam's for that code (the module's own copy, pam_tmdb.so,
 * still uses libpam's). Same semantics: a replaced entry's cleanup runs with PAM_DATA_REPLACE;
 * module_data_end runs the rest, as pam_end would. */
#ifndef PAM_TMDB_HELPER_MODULE_DATA_H
#define PAM_TMDB_HELPER_MODULE_DATA_H

#include <security/pam_modules.h>

void module_data_end(pam_handle_t *pamh, int status);

#endif
