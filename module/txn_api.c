/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "txn_api.h"

#include "http.h"
#include "txn.h"

int txn_api(struct txn *t, struct tmdb_client **api)
{
	if (t->api.http == NULL) {
		int rc = http_client_get(t->pamh, &t->opts, &t->api.http);
		if (rc != PAM_SUCCESS)
			return rc;
	}
	*api = &t->api;
	return PAM_SUCCESS;
}
