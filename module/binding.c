#include "config.h"
#include "binding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "safe_file.h"
#include "text.h"
#include "wipe.h"

int user_map_lookup(const char *text, size_t len, const char *user, char **tmdb_name)
{
	char *copy, *line, *next;
	int rc = 1;

	*tmdb_name = NULL;
	if (memchr(text, '\0', len) != NULL)
		return -1;
	copy = malloc(len + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line != NULL && rc == 1; line = next) {
		char *local, *remote, *extra, *save = NULL, *hash;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		local = strtok_r(line, " \t\r", &save);
		if (local == NULL)
			continue;
		remote = strtok_r(NULL, " \t\r", &save);
		extra = strtok_r(NULL, " \t\r", &save);
		if (remote == NULL || extra != NULL) {
			rc = -1;
			break;
		}
		if (strcmp(local, user) == 0) {
			*tmdb_name = strdup(remote);
			rc = *tmdb_name != NULL ? 0 : -1;
		}
	}
	free(copy);
	return rc;
}

int binding_expected(struct txn *t, char **expected)
{
	char *text = NULL;
	size_t len = 0;
	const char *why = NULL;
	int rc;

	*expected = NULL;
	switch (t->opts.account_match) {
	case MATCH_ANY:
		return PAM_SUCCESS;
	case MATCH_USER:
		*expected = strdup(t->user);
		return *expected != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
	case MATCH_MAP:
		break;
	}
	rc = safe_read_file(t->opts.user_map, USER_MAP_MAX_BYTES, &text, &len, &why);
	if (rc == -ENOMEM)
		return PAM_BUF_ERR;
	if (rc != 0) {
		pam_syslog(t->pamh, LOG_ERR, "user_map: cannot use %s: %s", t->opts.user_map, why);
		return PAM_SERVICE_ERR;
	}
	rc = user_map_lookup(text, len, t->user, expected);
	wipe_free(text, len);
	if (rc < 0) {
		pam_syslog(t->pamh, LOG_ERR, "user_map: %s is malformed (lines are \"localuser tmdbusername\")", t->opts.user_map);
		return PAM_SERVICE_ERR;
	}
	if (rc == 1) {
		pam_syslog(t->pamh, LOG_NOTICE, "user_map: no entry for this user");
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

int binding_check(struct txn *t, const char *expected, const char *tmdb_username)
{
	char shown[TEXT_SHOW_MAX + 1];
	if (expected == NULL || strcasecmp(expected, tmdb_username) == 0)
		return PAM_SUCCESS;
	text_sanitize(shown, sizeof(shown), tmdb_username, strlen(tmdb_username));
	pam_syslog(t->pamh, LOG_NOTICE, "TMDb account \"%s\" may not sign in as this user (account_match=%s)",
		   shown, t->opts.account_match == MATCH_MAP ? "map" : "user");
	return PAM_AUTH_ERR;
}
