/* SPDX-License-Identifier: BSD-3-Clause */
/* core_loader.h — the thin pam_tmdb.so and its core. pam_tmdb.so links neither libcurl nor
 * yajl nor libqrencode: a host run by an ordinary user goes through pam_tmdb_helper (which
 * loads them itself) and must not pay for loading them twice. It decides scope and the helper
 * path itself, and loads pam_tmdb_core.so, built from libtmdb.la, only when a login's steps
 * run in this process.
 *
 * Where the core is: pam_tmdb_core.so in the directory pam_tmdb.so itself was loaded from
 * (dladdr), never a path from the environment, a module argument or anything else the caller
 * controls; the build tree (module/.libs) holds both, so the tests need no install. It is
 * loaded once per process, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, and never unloaded: module
 * data cleanups, the fork guard's pthread_atfork handlers and libcurl's global state point
 * into it. */
#ifndef PAM_TMDB_CORE_LOADER_H
#define PAM_TMDB_CORE_LOADER_H

#include <security/pam_modules.h>

#define CORE_FILE_NAME "pam_tmdb_core.so"

/* The core's exported entry points (module/pam_tmdb_core.map): the pam_sm_* work in process. */
typedef int core_entry_fn(pam_handle_t *pamh, int flags, int argc, const char **argv);
core_entry_fn pam_tmdb_core_authenticate;
core_entry_fn pam_tmdb_core_setcred;
core_entry_fn pam_tmdb_core_acct_mgmt;
core_entry_fn pam_tmdb_core_open_session;
core_entry_fn pam_tmdb_core_close_session;

struct core_entries {
	core_entry_fn *authenticate;
	core_entry_fn *setcred;
	core_entry_fn *acct_mgmt;
	core_entry_fn *open_session;
	core_entry_fn *close_session;
};

/* The core's entry points, loaded and looked up at the first call in this process (later calls
 * get the same answer). NULL when the core cannot be loaded or lacks an entry point: logged
 * (LOG_ERR, naming the file and why) at every such call; the caller returns PAM_SERVICE_ERR. */
const struct core_entries *core_get(pam_handle_t *pamh);

#endif
