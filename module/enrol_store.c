/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "enrol_store.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "journal.h"
#include "safe_file.h"

static int user_uid(const char *user, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return -1;
	*uid = pw.pw_uid;
	return 0;
}

/* The name is a user's, and a plain name inside the directory (enrol_user_name_ok). */
static bool usable_name(pam_handle_t *pamh, const char *user)
{
	if (enrol_user_name_ok(user))
		return true;
	pam_syslog(pamh, LOG_WARNING, "enrolment: the user name cannot name a record (empty, longer than %d "
		   "bytes, starting with '.', or holding '/', spaces or control characters)", ENROL_USER_MAX);
	return false;
}

int enrol_dir_open(pam_handle_t *pamh, const char *state_dir)
{
	const char *why = NULL;
	int fd;

	if (state_dir == NULL) {
		pam_syslog(pamh, LOG_WARNING, "enrolment: state_dir = none: there are no enrolment records");
		return -1;
	}
	fd = state_subdir_open(state_dir, ENROL_SUBDIR, &why);
	if (fd < 0)
		pam_syslog(pamh, LOG_WARNING, "enrolment: state_dir %s not used (no %s/ records): %s", state_dir,
			   ENROL_SUBDIR, why);
	return fd;
}

/* The checks on the open record: a file of the user's own, or root's, that nobody else may
 * read or write. NULL or why not. */
static const char *record_problem(const struct stat *st, uid_t owner)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_uid != 0 && st->st_uid != owner)
		return "owned by another user (must be root or the user it is for)";
	if ((st->st_mode & 07777) != 0600)
		return "wrong mode (must be 0600)";
	if (st->st_nlink != 1)
		return "has other hard links";
	if (st->st_size > ENROL_RECORD_MAX_BYTES)
		return "too large";
	return NULL;
}

static int read_bounded(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		*len += (size_t)n;
		if (*len == cap)
			return -1; /* more than the largest record */
	}
}

int enrol_load(pam_handle_t *pamh, int dfd, const char *user, struct enrol_record *r)
{
	char buf[ENROL_RECORD_MAX_BYTES + 1];
	const char *why = NULL;
	struct stat st;
	size_t len = 0;
	uid_t uid;
	int fd;

	memset(r, 0, sizeof(*r));
	if (!usable_name(pamh, user) || user_uid(user, &uid) != 0)
		return 1;
	fd = openat(dfd, user, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		why = errno == ELOOP ? "is a symbolic link" : errno == EACCES ? "cannot be read by this process" : "cannot be opened";
	} else if (fstat(fd, &st) != 0) {
		why = "cannot stat";
	} else if ((why = record_problem(&st, uid)) == NULL) {
		if (read_bounded(fd, buf, sizeof(buf), &len) != 0)
			why = "cannot be read, or too large";
		else if (enrol_record_parse(buf, len, r) != 0)
			why = "damaged";
	}
	if (fd >= 0)
		close(fd);
	if (why != NULL) {
		memset(r, 0, sizeof(*r));
		pam_syslog(pamh, LOG_WARNING, "enrolment: the record %s/%s is ignored: %s", ENROL_SUBDIR, user, why);
		return 1;
	}
	return 0;
}

/* Root's record of another user goes to that user and the directory's group, as the helper
 * writes it: the helper, which runs as the user, can read it then. */
static void give_to_user(pam_handle_t *pamh, int dfd, const char *user, uid_t uid)
{
	struct stat d, st;
	int fd;

	if (geteuid() != 0 || uid == 0 || fstat(dfd, &d) != 0)
		return;
	fd = openat(dfd, user, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != 0 ||
	    fchown(fd, uid, d.st_gid) != 0)
		pam_syslog(pamh, LOG_WARNING, "enrolment: the record %s/%s stays root's: the user's own host "
			   "(through pam_tmdb_helper) will not read it", ENROL_SUBDIR, user);
	close(fd);
}

int enrol_save(pam_handle_t *pamh, int dfd, const char *user, const struct enrol_record *r)
{
	char text[ENROL_RECORD_MAX_BYTES + 1];
	const char *why = NULL;
	size_t len;
	uid_t uid;

	if (!usable_name(pamh, user) || user_uid(user, &uid) != 0)
		return -1;
	if (r->n == 0)
		return enrol_remove(pamh, dfd, user) < 0 ? -1 : 0;
	len = enrol_record_format(r, text, sizeof(text));
	if (safe_write_fileat(dfd, user, text, len, true, &why) != 0) {
		pam_syslog(pamh, LOG_ERR, "enrolment: cannot write the record %s/%s: %s", ENROL_SUBDIR, user, why);
		return -1;
	}
	give_to_user(pamh, dfd, user, uid);
	return 0;
}

int enrol_remove(pam_handle_t *pamh, int dfd, const char *user)
{
	if (!usable_name(pamh, user))
		return -1;
	if (unlinkat(dfd, user, 0) == 0) {
		fsync(dfd);
		return 0;
	}
	if (errno == ENOENT)
		return 1;
	pam_syslog(pamh, LOG_ERR, "enrolment: cannot remove the record %s/%s: %s", ENROL_SUBDIR, user, strerror(errno));
	return -1;
}

void enrol_accounts_of(pam_handle_t *pamh, const char *state_dir, const char *user, struct enrol_record *r)
{
	int dfd;

	memset(r, 0, sizeof(*r));
	if (!enrol_user_name_ok(user))
		return; /* no record can have that name */
	dfd = enrol_dir_open(pamh, state_dir);
	if (dfd < 0)
		return;
	enrol_load(pamh, dfd, user, r);
	close(dfd);
}
