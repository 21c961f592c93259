/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "core_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#define CORE_PATH_MAX 4096

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct core_entries entries;
static const struct core_entries *loaded; /* &entries once every symbol was found */
static char why[CORE_PATH_MAX + 512];      /* what went wrong otherwise, for the log */

/* This module's own file, as the dynamic loader knows it: the core sits beside it. */
static int core_path(char *out, size_t size)
{
	Dl_info info;
	const char *slash;
	if (dladdr(&once, &info) == 0 || info.dli_fname == NULL || info.dli_fname[0] != '/') {
		snprintf(why, sizeof(why), "cannot load %s: the path pam_tmdb.so was loaded from is unknown",
			 CORE_FILE_NAME);
		return -1;
	}
	slash = strrchr(info.dli_fname, '/');
	if (snprintf(out, size, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname, CORE_FILE_NAME) >= (int)size) {
		snprintf(why, sizeof(why), "cannot load %s: the directory of pam_tmdb.so has too long a name",
			 CORE_FILE_NAME);
		return -1;
	}
	return 0;
}

static bool lookup(void *h, const char *path, const char *name, core_entry_fn **out)
{
	*(void **)out = dlsym(h, name); /* POSIX's way to a function from dlsym */
	if (*out == NULL) {
		snprintf(why, sizeof(why), "cannot use %s: it has no %s", path, name);
		return false;
	}
	return true;
}

static void load(void)
{
	char path[CORE_PATH_MAX];
	void *h;
	if (core_path(path, sizeof(path)) != 0)
		return;
	/* NODELETE: never unloaded, even by a dlclose of ours; LOCAL: its copies of libcurl's and
	 * the module's symbols stay its own */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (h == NULL) {
		const char *e = dlerror();
		snprintf(why, sizeof(why), "cannot load %s: %s", path, e != NULL ? e : "unknown error");
		return;
	}
	if (!lookup(h, path, "pam_tmdb_core_authenticate", &entries.authenticate) ||
	    !lookup(h, path, "pam_tmdb_core_setcred", &entries.setcred) ||
	    !lookup(h, path, "pam_tmdb_core_acct_mgmt", &entries.acct_mgmt) ||
	    !lookup(h, path, "pam_tmdb_core_open_session", &entries.open_session) ||
	    !lookup(h, path, "pam_tmdb_core_close_session", &entries.close_session))
		return;
	loaded = &entries;
}

const struct core_entries *core_get(pam_handle_t *pamh)
{
	pthread_once(&once, load);
	if (loaded == NULL)
		pam_syslog(pamh, LOG_ERR, "%s", why);
	return loaded;
}
