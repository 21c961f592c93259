/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "safe_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

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

int safe_read_fd(int fd, size_t max, bool private_file, char **buf, size_t *len, const char **why)
{
	return read_fd(fd, max, private_file, buf, len, NULL, why);
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

void safe_random_name(char *out, size_t n)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[32];
	size_t got = 0;
#ifdef HAVE_GETRANDOM
	ssize_t r = getrandom(rnd, sizeof(rnd), 0);
	got = r > 0 ? (size_t)r : 0;
#endif
	for (size_t i = got; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)((uintptr_t)out + (size_t)getpid() * 31u + i * 7u);
	for (size_t i = 0; i + 1 < n && i < sizeof(rnd); i++)
		out[i] = abc[rnd[i] % (sizeof(abc) - 1)];
	out[n - 1 < sizeof(rnd) ? n - 1 : sizeof(rnd)] = '\0';
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		len -= (size_t)w;
	}
	return true;
}

int safe_write_fileat(int dirfd, const char *name, const char *text, size_t len, bool durable, const char **why)
{
	char tmp[32], suffix[13];
	int fd, err;

	/* a name no entry can have: entries never start with '.' */
	safe_random_name(suffix, sizeof(suffix));
	snprintf(tmp, sizeof(tmp), ".tmp-%s", suffix);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		*why = "cannot create a temporary file";
		return -err;
	}
	/* mode 0600 whatever the umask, and fchmod on our own descriptor, never a path */
	if (fchmod(fd, 0600) != 0 || !write_all(fd, text, len) || (durable && fsync(fd) != 0)) {
		err = errno ? errno : EIO;
		*why = "cannot write the temporary file";
		close(fd);
		goto fail;
	}
	if (close(fd) != 0) {
		err = errno;
		*why = "cannot close the temporary file";
		goto fail;
	}
	/* rename replaces a symlink at the entry's path itself, never its target */
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		err = errno;
		*why = "cannot rename the temporary file into place";
		goto fail;
	}
	if (durable)
		fsync(dirfd);
	return 0;
fail:
	unlinkat(dirfd, tmp, 0);
	return -err;
}
