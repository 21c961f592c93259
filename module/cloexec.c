/* SPDX-License-Identifier: BSD-3-Clause */
/* cloexec.c — see cloexec.h. Why a before/after comparison for the multi handle: libcurl 7.88
 * makes its wake-up pair with a plain socketpair() inside curl_multi_init and offers neither a
 * flag nor a callback for it. The module keeps one multi handle per pooled easy handle (so the
 * connection cache, the CA store cache and the pair live as long as the handle): the pair is
 * made once per pooled handle, and marked right after. A descriptor another thread of the host
 * creates in that same instant without close-on-exec would be marked too; that can only close
 * it at an exec, never leak it. */
#include "config.h"
#include "cloexec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* without /proc, descriptor numbers up to this many are tried one by one */
#define SCAN_LIMIT 65536

curl_socket_t cloexec_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	(void)clientp;
	(void)purpose;
	return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

struct fd_set_sorted {
	int *fd;
	size_t n, cap;
};

static bool add_fd(struct fd_set_sorted *s, int fd)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		int *p = realloc(s->fd, cap * sizeof(*p));
		if (p == NULL)
			return false;
		s->fd = p;
		s->cap = cap;
	}
	s->fd[s->n++] = fd;
	return true;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The open descriptors of this process, sorted. false when out of memory. */
static bool open_fds(struct fd_set_sorted *s)
{
	DIR *d = opendir("/proc/self/fd");
	s->n = 0;
	if (d != NULL) {
		int own = dirfd(d);
		struct dirent *e;
		bool ok = true;
		while (ok && (e = readdir(d)) != NULL) {
			char *end;
			long fd;
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			fd = strtol(e->d_name, &end, 10);
			if (*end == '\0' && fd != own && fd >= 0 && fd <= 0x7fffffff)
				ok = add_fd(s, (int)fd);
		}
		closedir(d);
		if (!ok)
			return false;
	} else {
		struct rlimit rl;
		rlim_t limit = SCAN_LIMIT;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < limit)
			limit = rl.rlim_cur;
		for (int fd = 0; (rlim_t)fd < limit; fd++)
			if (fcntl(fd, F_GETFD) >= 0 && !add_fd(s, fd))
				return false;
	}
	qsort(s->fd, s->n, sizeof(*s->fd), cmp_int);
	return true;
}

static void mark_if_new_socket(const struct fd_set_sorted *before, int fd)
{
	struct stat st;
	int flags;
	if (bsearch(&fd, before->fd, before->n, sizeof(int), cmp_int) != NULL)
		return;
	flags = fcntl(fd, F_GETFD);
	if (flags < 0 || (flags & FD_CLOEXEC) != 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

CURLM *cloexec_multi_init(void)
{
	struct fd_set_sorted before = { 0 }, after = { 0 };
	CURLM *m = NULL;

	if (!open_fds(&before))
		goto out;
	m = curl_multi_init();
	if (m == NULL)
		goto out;
	if (!open_fds(&after)) {
		/* cannot tell which descriptors are libcurl's: a handle that could leak them is
		 * not handed out */
		curl_multi_cleanup(m);
		m = NULL;
		goto out;
	}
	for (size_t i = 0; i < after.n; i++)
		mark_if_new_socket(&before, after.fd[i]);
out:
	free(before.fd);
	free(after.fd);
	return m;
}
