#include "config.h"
#include "safe_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wipe.h"

static bool root_only;

void safe_file_require_root(void)
{
	root_only = true;
}

int safe_check_owner_mode(const struct stat *st, const char **why)
{
	if (root_only && st->st_uid != 0) {
		*why = "not owned by root (pam_tmdb_helper takes its settings only from root's files)";
		return -EPERM;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		*why = "owned by another user (must be root or the effective user)";
		return -EPERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		*why = "writable by group or others";
		return -EPERM;
	}
	return 0;
}

static int read_fd(int fd, size_t max, bool private_file, char **buf, size_t *len, mode_t *mode, const char **why)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int rc;

	if (fstat(fd, &st) != 0) {
		*why = "cannot stat";
		return -EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -EPERM;
	}
	rc = safe_check_owner_mode(&st, why);
	if (rc != 0)
		return rc;
	if (private_file && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*why = "accessible by group or others (must be mode 0600)";
		return -EPERM;
	}
	if (st.st_size < 0 || (size_t)st.st_size > max) {
		*why = "too large";
		return -EFBIG;
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	/* Read at most the size seen by fstat plus one byte, so a file growing under us is
	 * noticed rather than read without bound. */
	for (;;) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			wipe_free(data, (size_t)st.st_size + 1);
			*why = "read error";
			return -EIO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > (size_t)st.st_size) {
			wipe_free(data, (size_t)st.st_size + 1);
			*why = "changed while being read";
			return -EIO;
		}
	}
	data[got] = '\0';
	if (mode != NULL)
		*mode = st.st_mode & 07777;
	*buf = data;
	*len = got;
	return 0;
}

static int open_error(int err, const char **why)
{
	switch (err) {
	case ENOENT:
		*why = "does not exist";
		return -ENOENT;
	case ELOOP:
		*why = "is a symbolic link";
		return -ELOOP;
	case EACCES:
		*why = "permission denied";
		return -EACCES;
	default:
		*why = "cannot open";
		return -err;
	}
}

static int read_at(int dirfd, const char *name, size_t max, bool private_file, char **buf, size_t *len,
		   mode_t *mode, const char **why)
{
	/* O_NONBLOCK: a FIFO planted in place of the file must not hang the login. */
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	int rc;
	if (fd < 0)
		return open_error(errno, why);
	rc = read_fd(fd, max, private_file, buf, len, mode, why);
	close(fd);
	return rc;
}

int safe_read_fileat(int dirfd, const char *name, size_t max, bool private_file, char **buf, size_t *len,
		     const char **why)
{
	return read_at(dirfd, name, max, private_file, buf, len, NULL, why);
}

int safe_read_file(const char *path, size_t max, char **buf, size_t *len, mode_t *mode, const char **why)
{
	return read_at(AT_FDCWD, path, max, false, buf, len, mode, why);
}
