/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "txn.h"

#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "scope.h"
#include "scope_first.h"

#define MAX_USER_LEN 256

static int check_user(pam_handle_t *pamh, const char *user)
{
	size_t n;
	if (user == NULL || user[0] == '\0') {
		pam_syslog(pamh, LOG_ERR, "no user name");
		return PAM_USER_UNKNOWN;
	}
	n = strnlen(user, MAX_USER_LEN + 1);
	if (n > MAX_USER_LEN) {
		pam_syslog(pamh, LOG_ERR, "user name longer than %d bytes", MAX_USER_LEN);
		return PAM_USER_UNKNOWN;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)user[i] < 0x20 || user[i] == 0x7f) {
			pam_syslog(pamh, LOG_ERR, "user name holds control characters");
			return PAM_USER_UNKNOWN;
		}
	}
	return PAM_SUCCESS;
}

int txn_begin(struct txn *t, pam_handle_t *pamh, int flags, int argc, const char **argv, bool ask_user)
{
	const void *item = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	t->pamh = pamh;
	t->flags = flags;
	t->argc = argc;
	t->argv = argv;
	if (ask_user) {
		rc = pam_get_user(pamh, &t->user, NULL);
		if (rc != PAM_SUCCESS) {
			pam_syslog(pamh, LOG_ERR, "cannot get the user name: %s", pam_strerror(pamh, rc));
			goto fail;
		}
	} else {
		rc = pam_get_item(pamh, PAM_USER, &item);
		t->user = item;
		if (rc != PAM_SUCCESS)
			goto fail;
	}
	rc = check_user(pamh, t->user);
	if (rc != PAM_SUCCESS)
		goto fail;
	/* scope before the configuration (scope_first.h): root and the system accounts never
	 * meet a configuration error, whatever the file holds */
	rc = scope_check(pamh, t->user, scope_first_minimum_uid(argc, argv), scope_first_debug(argc, argv));
	if (rc != PAM_SUCCESS)
		goto fail;
	rc = options_load(pamh, argc, argv, &t->opts);
	if (rc != PAM_SUCCESS)
		goto fail;
	t->api.pamh = pamh;
	t->api.o = &t->opts;
	return PAM_SUCCESS;
fail:
	t->user = NULL;
	return rc;
}

void txn_end(struct txn *t)
{
	/* the HTTP client stays in module data for the transaction's next entry point */
	t->api.http = NULL;
	options_free(&t->opts);
}
