/* SPDX-License-Identifier: BSD-3-Clause */
/* The built module exports the six pam_sm_* entry points and nothing else of ours; its core
 * (pam_tmdb_core.so beside it, module/core_loader.h) its five entry points, no pam_sm_* (libpam
 * must never take it for a module) and nothing else of ours. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void check_core(const char *module, const char *const *hidden, size_t n_hidden)
{
	static const char *const wanted[] = { "pam_tmdb_core_authenticate", "pam_tmdb_core_setcred",
					       "pam_tmdb_core_acct_mgmt", "pam_tmdb_core_open_session",
					       "pam_tmdb_core_close_session" };
	static const char *const not_pam[] = { "pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
						"pam_sm_open_session", "pam_sm_close_session", "pam_sm_chauthtok" };
	char path[4096];
	const char *slash = strrchr(module, '/');
	void *h;

	snprintf(path, sizeof(path), "%.*s/pam_tmdb_core.so", slash ? (int)(slash - module) : 1, slash ? module : ".");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	CHECK(h != NULL, "dlopen %s: %s", path, h ? "ok" : dlerror());
	if (h == NULL)
		return;
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		CHECK(dlsym(h, wanted[i]) != NULL, "core: %s exported", wanted[i]);
	for (size_t i = 0; i < sizeof(not_pam) / sizeof(not_pam[0]); i++)
		CHECK(dlsym(h, not_pam[i]) == NULL, "core: %s not exported", not_pam[i]);
	for (size_t i = 0; i < n_hidden; i++)
		CHECK(dlsym(h, hidden[i]) == NULL, "core: %s not exported", hidden[i]);
}

int main(void)
{
	static const char *const wanted[] = { "pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
					       "pam_sm_open_session", "pam_sm_close_session", "pam_sm_chauthtok" };
	static const char *const hidden[] = { "options_load", "http_request", "tmdb_new_token", "cache_store",
					       "approval_run", "json_fields_parse", "wipe", "session_handover",
					       "binding_check", "text_sanitize" };
	const char *path = getenv("PAM_TMDB_SO");
	void *h;

	CHECK(path != NULL, "PAM_TMDB_SO is set");
	if (path == NULL)
		CHECK_DONE();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	CHECK(h != NULL, "dlopen %s: %s", path, h ? "ok" : dlerror());
	if (h == NULL)
		CHECK_DONE();
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		CHECK(dlsym(h, wanted[i]) != NULL, "%s exported", wanted[i]);
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		CHECK(dlsym(h, hidden[i]) == NULL, "%s not exported", hidden[i]);
	dlclose(h);
	check_core(path, hidden, sizeof(hidden) / sizeof(hidden[0]));
	CHECK_DONE();
}
