/* SPDX-License-Identifier: BSD-3-Clause */
/* The built module exports the six pam_sm_* entry points and nothing else of ours. */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

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
	CHECK_DONE();
}
