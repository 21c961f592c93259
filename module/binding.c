/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "binding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "enrol_store.h"
#include "safe_file.h"
#include "text.h"
#include "userlog.h"
#include "wipe.h"

#define MAX_ID_DIGITS 18

/* "#" then a positive decimal without a leading zero that fits a long long. */
static bool is_id_field(const char *f)
{
	size_t n = strlen(f + 1);
	if (f[0] != '#' || n == 0 || n > MAX_ID_DIGITS || f[1] == '0')
		return false;
	return strspn(f + 1, "0123456789") == n;
}

int user_map_lookup_at(const char *text, size_t len, const char *user, char **tmdb_name, unsigned *bad_line)
{
	char *copy, *line, *next;
	unsigned lineno = 0;
	int rc = 1;

	*tmdb_name = NULL;
	*bad_line = 0;
	if (memchr(text, '\0', len) != NULL) {
		/* the line of the first NUL byte */
		for (const char *p = text; p < text + len && *p != '\0'; p++)
			lineno += *p == '\n';
		*bad_line = lineno + 1;
		return -1;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line != NULL && rc == 1; line = next) {
		char *local, *remote, *extra, *save = NULL;
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		local = strtok_r(line, " \t\r", &save);
		if (local == NULL || local[0] == '#')
			continue; /* blank or comment line */
		remote = strtok_r(NULL, " \t\r", &save);
		extra = strtok_r(NULL, " \t\r", &save);
		if (remote == NULL || (remote[0] == '#' && !is_id_field(remote)) || (extra != NULL && extra[0] != '#')) {
			*bad_line = lineno;
			rc = -1;
			break;
		}
		if (user != NULL && strcmp(local, user) == 0) {
			*tmdb_name = strdup(remote);
			rc = *tmdb_name != NULL ? 0 : -1;
		}
	}
	free(copy);
	return rc;
}

int user_map_lookup(const char *text, size_t len, const char *user, char **tmdb_name)
{
	unsigned bad_line;
	return user_map_lookup_at(text, len, user, tmdb_name, &bad_line);
}

void binding_clear(struct binding *b)
{
	free(b->username);
	memset(b, 0, sizeof(*b));
}

#define USER_MAP_FORMAT "lines are \"localuser tmdbusername\" or \"localuser #accountid\""

static int from_map(pam_handle_t *pamh, const char *user_map, const char *user, struct binding *b, bool self_enroll)
{
	char *text = NULL, *name = NULL;
	size_t len = 0;
	const char *why = NULL;
	unsigned bad_line = 0;
	int rc = safe_read_file(user_map, USER_MAP_MAX_BYTES, &text, &len, NULL, &why);

	if (rc == -ENOMEM)
		return PAM_BUF_ERR;
	if (rc == -ENOENT && self_enroll)
		return PAM_USER_UNKNOWN; /* users enrol themselves: no map is an empty one */
	if (rc != 0) {
		userlog(pamh, LOG_ERR, user, "user_map: cannot use %s: %s", user_map, why);
		return PAM_SERVICE_ERR;
	}
	rc = user_map_lookup_at(text, len, user, &name, &bad_line);
	if (rc == 0) {
		/* this user's line was found before any malformed one; a malformed line further on
		 * still refuses the users it hides, so say so now rather than when they try */
		char *unused = NULL;
		unsigned later = 0;
		if (user_map_lookup_at(text, len, NULL, &unused, &later) < 0 && later > 0)
			pam_syslog(pamh, LOG_WARNING, "user_map: %s line %u is malformed (%s); logins that reach it "
				   "are refused", user_map, later, USER_MAP_FORMAT);
	}
	wipe_free(text, len);
	if (rc < 0 && bad_line > 0) {
		userlog(pamh, LOG_ERR, user, "user_map: %s line %u is malformed (%s)", user_map, bad_line, USER_MAP_FORMAT);
		return PAM_SERVICE_ERR;
	}
	if (rc < 0)
		return PAM_BUF_ERR;
	if (rc == 1) {
		if (!self_enroll)
			userlog(pamh, LOG_NOTICE, user, "user_map: no entry for this user in %s", user_map);
		return PAM_USER_UNKNOWN;
	}
	if (name[0] == '#') {
		b->id = strtoll(name + 1, NULL, 10); /* checked by user_map_lookup: fits */
		free(name);
	} else {
		b->username = name;
	}
	return PAM_SUCCESS;
}

int binding_expected(pam_handle_t *pamh, const struct tmdb_options *o, const char *user, struct binding *b)
{
	enum account_match match = o->account_match;
	int rc;

	memset(b, 0, sizeof(*b));
	b->match = match;
	switch (match) {
	case MATCH_ANY:
		b->any = true;
		return PAM_SUCCESS;
	case MATCH_USER:
		b->username = strdup(user);
		return b->username != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
	case MATCH_MAP:
		break;
	}
	rc = from_map(pamh, o->user_map, user, b, o->self_enroll);
	if (o->self_enroll && (rc == PAM_SUCCESS || rc == PAM_USER_UNKNOWN)) {
		/* a pair of the map or an account of the user's own record */
		enrol_accounts_of(pamh, o->state_dir, user, &b->enrolled);
		if (rc == PAM_USER_UNKNOWN && b->enrolled.n > 0)
			rc = PAM_SUCCESS;
		else if (rc == PAM_USER_UNKNOWN)
			userlog(pamh, LOG_NOTICE, user, "no entry for this user in %s and no enrolled TMDb account",
				o->user_map);
	}
	return rc;
}

int binding_check(pam_handle_t *pamh, const struct binding *b, const struct tmdb_account *acct)
{
	char shown[TEXT_SHOW_MAX + 1];
	if (b->any || (b->id > 0 && acct->id == b->id) || (b->username != NULL && strcmp(b->username, acct->username) == 0) ||
	    enrol_record_has(&b->enrolled, acct->id))
		return PAM_SUCCESS;
	text_sanitize(shown, sizeof(shown), acct->username, strlen(acct->username));
	userlog(pamh, LOG_NOTICE, NULL, "TMDb account \"%s\" (id %lld) may not sign in as this user (account_match=%s)",
		shown, acct->id, b->match == MATCH_MAP ? "map" : "user");
	return PAM_AUTH_ERR;
}
