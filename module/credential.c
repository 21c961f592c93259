/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "credential.h"

#include <stdlib.h>
#include <string.h>

#include "wipe.h"

void session_clear(struct tmdb_session *s)
{
	wipe_free_str(s->session_id);
	wipe_free_str(s->access_token);
	free(s->username);
	free(s->account_object_id);
	memset(s, 0, sizeof(*s));
}

int session_copy(struct tmdb_session *dst, const struct tmdb_session *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->account_id = src->account_id;
	dst->remembered = src->remembered;
	dst->session_id = strdup(src->session_id);
	dst->username = strdup(src->username);
	if (src->access_token != NULL) {
		dst->access_token = strdup(src->access_token);
		dst->account_object_id = strdup(src->account_object_id);
		if (dst->access_token == NULL || dst->account_object_id == NULL) {
			session_clear(dst);
			return -1;
		}
	}
	if (dst->session_id == NULL || dst->username == NULL) {
		session_clear(dst);
		return -1;
	}
	return 0;
}
