/* SPDX-License-Identifier: BSD-3-Clause */
/* The cache directory is opened once with O_DIRECTORY|O_NOFOLLOW and checked on the
 * descriptor; every file operation is then relative to that descriptor (openat, renameat,
 * unlinkat) with an encoded name that cannot hold '/', so nothing escapes cache_dir. */
#include "config.h"
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "record.h"
#include "safe_file.h"
#include "tmdb_api.h"
#include "tmdb_v4.h"
#include "userlog.h"
#include "wipe.h"

int cache_entry_name(const char *user, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	if (cap > CACHE_NAME_MAX + 1)
		cap = CACHE_NAME_MAX + 1;
	if (user[0] == '\0')
		return -1;
	for (size_t i = 0; user[i] != '\0'; i++) {
		unsigned char c = (unsigned char)user[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '_' || c == '-' || (c == '.' && i > 0);
		if (plain) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

char *cache_format(const struct tmdb_session *s)
{
	bool v4 = s->access_token != NULL;
	size_t n = sizeof(CACHE_MAGIC_V4) + strlen(s->session_id) + strlen(s->username) + 96 +
		   (v4 ? strlen(s->access_token) + strlen(s->account_object_id) + 48 : 0);
	char *buf = malloc(n);
	int len;
	if (buf == NULL)
		return NULL;
	len = snprintf(buf, n, "%s\nsession_id %s\naccount_id %lld\naccount_username %s\n",
		       v4 ? CACHE_MAGIC_V4 : CACHE_MAGIC, s->session_id, s->account_id, s->username);
	if (v4)
		snprintf(buf + len, n - (size_t)len, "access_token %s\naccount_object_id %s\n", s->access_token,
			 s->account_object_id);
	return buf;
}

enum { L_SID, L_ID, L_USER, L_TOKEN, L_OBJECT_ID, L_N };

/* Strict: the magic line, then exactly the lines of its format, in this order. */
int cache_parse(const char *buf, size_t len, struct tmdb_session *s)
{
	static const char *const keys[L_N] = { "session_id ", "account_id ", "account_username ", "access_token ",
					       "account_object_id " };
	char *copy, *values[L_N] = { NULL };
	const char *magic;
	char *end = NULL;
	long long id;
	int rc = -1, i, lines;

	memset(s, 0, sizeof(*s));
	copy = record_split(buf, len, CACHE_MAX_BYTES, keys, L_N, &magic, values, &i);
	if (copy == NULL)
		return -1;
	if (strcmp(magic, CACHE_MAGIC) == 0)
		lines = L_TOKEN;
	else if (strcmp(magic, CACHE_MAGIC_V4) == 0)
		lines = L_N;
	else
		goto out;
	if (i != lines || !tmdb_is_session_id(values[L_SID]) || values[L_USER][0] == '\0')
		goto out;
	if (lines == L_N && (!tmdb_v4_is_token(values[L_TOKEN]) || !tmdb_v4_is_object_id(values[L_OBJECT_ID])))
		goto out;
	if (!record_printable(values[L_USER]))
		goto out;
	errno = 0;
	id = strtoll(values[L_ID], &end, 10);
	if (errno != 0 || end == values[L_ID] || *end != '\0' || id <= 0 || values[L_ID][0] == '+')
		goto out;
	s->session_id = strdup(values[L_SID]);
	s->username = strdup(values[L_USER]);
	s->account_id = id;
	if (lines == L_N) {
		s->access_token = strdup(values[L_TOKEN]);
		s->account_object_id = strdup(values[L_OBJECT_ID]);
	}
	if (s->session_id == NULL || s->username == NULL ||
	    (lines == L_N && (s->access_token == NULL || s->account_object_id == NULL))) {
		session_clear(s);
		goto out;
	}
	rc = 0;
out:
	wipe_free(copy, len + 1);
	return rc;
}

/* strerror is not thread-safe; the GNU strerror_r may return its own static text */
static const char *errno_text(int err, char *buf, size_t cap)
{
	return strerror_r(err, buf, cap);
}

/* Opens cache_dir if it is safe to use. -1 (logged) when not. The path was normalised when it
 * was read (options.c), so O_NOFOLLOW applies to its real last component. */
static int open_dir(pam_handle_t *pamh, const char *dir)
{
	const char *why = NULL;
	struct stat st;
	int fd;

	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		pam_syslog(pamh, LOG_WARNING, "cache_dir %s not used: %s", dir,
			   errno == ENOENT ? "does not exist" : errno == ELOOP || errno == ENOTDIR ? "is not a directory (or is a symlink)" : "cannot open");
		return -1;
	}
	if (fstat(fd, &st) != 0 || safe_check_owner_mode(&st, &why) != 0) {
		pam_syslog(pamh, LOG_WARNING, "cache_dir %s not used: %s", dir, why ? why : "cannot stat");
		close(fd);
		return -1;
	}
	return fd;
}

static bool entry_name(pam_handle_t *pamh, const char *user, char *name, size_t cap)
{
	if (cache_entry_name(user, name, cap) != 0) {
		pam_syslog(pamh, LOG_WARNING, "user name too long to cache");
		return false;
	}
	return true;
}

int cache_load(pam_handle_t *pamh, const char *dir, const char *user, struct tmdb_session *s)
{
	char name[CACHE_NAME_MAX + 1];
	char *buf = NULL;
	size_t len = 0;
	const char *why = NULL;
	int dfd, rc;

	if (dir == NULL || !entry_name(pamh, user, name, sizeof(name)))
		return PAM_IGNORE;
	dfd = open_dir(pamh, dir);
	if (dfd < 0)
		return PAM_IGNORE;
	rc = safe_read_fileat(dfd, name, CACHE_MAX_BYTES, true, &buf, &len, &why);
	close(dfd);
	if (rc == -ENOENT)
		return PAM_IGNORE;
	if (rc == -ENOMEM)
		return PAM_BUF_ERR;
	if (rc != 0) {
		userlog(pamh, LOG_WARNING, NULL, "cache entry for this user ignored: %s", why);
		return PAM_IGNORE;
	}
	rc = cache_parse(buf, len, s);
	wipe_free(buf, len);
	if (rc != 0) {
		userlog(pamh, LOG_WARNING, NULL, "cache entry for this user is damaged; ignored");
		return PAM_IGNORE;
	}
	return PAM_SUCCESS;
}

bool cache_store(pam_handle_t *pamh, const char *dir, const char *user, const struct tmdb_session *s)
{
	char name[CACHE_NAME_MAX + 1], ebuf[128];
	const char *why = "out of memory";
	char *text = NULL;
	int dfd, rc = -ENOMEM;

	if (dir == NULL || !entry_name(pamh, user, name, sizeof(name)))
		return false;
	dfd = open_dir(pamh, dir);
	if (dfd < 0)
		return false;
	text = cache_format(s);
	if (text != NULL)
		rc = safe_write_fileat(dfd, name, text, strlen(text), true, &why);
	if (rc != 0)
		pam_syslog(pamh, LOG_WARNING, "cannot write the cache entry in %s: %s (%s)", dir, why,
			   errno_text(-rc, ebuf, sizeof(ebuf)));
	wipe_free_str(text);
	close(dfd);
	return rc == 0;
}

void cache_remove(pam_handle_t *pamh, const char *dir, const char *user)
{
	char name[CACHE_NAME_MAX + 1], ebuf[128];
	int dfd;
	if (dir == NULL || !entry_name(pamh, user, name, sizeof(name)))
		return;
	dfd = open_dir(pamh, dir);
	if (dfd < 0)
		return;
	if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
		userlog(pamh, LOG_WARNING, NULL, "cannot remove the cache entry: %s", errno_text(errno, ebuf, sizeof(ebuf)));
	close(dfd);
}
