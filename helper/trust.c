/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "trust.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool trust_own_account(const char *user)
{
	struct passwd pw, *found = NULL;
	size_t cap = 4096;
	char *buf = NULL;
	bool own = false;
	int err;

	for (;;) {
		char *nb = realloc(buf, cap);
		if (nb == NULL)
			break;
		buf = nb;
		err = getpwnam_r(user, &pw, buf, cap, &found);
		if (err != ERANGE || cap >= 1024 * 1024)
			break;
		cap *= 2;
	}
	own = found != NULL && pw.pw_uid == getuid();
	free(buf);
	return own;
}

/* One component: owned by root; a directory not writable by group or others unless sticky
 * (then only its owners may rename what is in it, and the next component is checked to be
 * root's); the last not writable by group or others at all. */
static int check_one(const char *p, bool last, const char **why)
{
	struct stat st;
	if (lstat(p, &st) != 0) {
		*why = "cannot stat";
		return -errno;
	}
	if (st.st_uid != 0) {
		*why = "a component of its path is not owned by root";
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (last || !S_ISDIR(st.st_mode) || !(st.st_mode & S_ISVTX))) {
		*why = "a component of its path is writable by group or others";
		return -EPERM;
	}
	return 0;
}

static int check_components(const char *path, const char **why)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	int rc;
	if (path[0] != '/' || n >= sizeof(buf)) {
		*why = "not an absolute path";
		return -EINVAL;
	}
	memcpy(buf, path, n + 1);
	rc = check_one("/", false, why);
	for (size_t i = 1; rc == 0 && i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			if (i > 0 && buf[i - 1] == '/')
				continue;
			buf[i] = '\0';
			rc = check_one(buf, c == '\0', why);
			buf[i] = c;
		}
	}
	return rc;
}

int trust_root_path(const char *path, bool want_dir, const char **why)
{
	char *real;
	struct stat st;
	int rc;

	if (stat(path, &st) != 0) {
		*why = "cannot stat";
		return errno == ENOENT ? -ENOENT : -errno;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		*why = want_dir ? "not a directory" : "not a regular file";
		return -EPERM;
	}
	/* the name as given (a symlink on the way must be root's) and where it leads */
	rc = check_components(path, why);
	if (rc != 0)
		return rc;
	real = realpath(path, NULL);
	if (real == NULL) {
		*why = "cannot resolve";
		return -errno;
	}
	rc = check_components(real, why);
	free(real);
	return rc;
}
