/* SPDX-License-Identifier: BSD-3-Clause */
/* only_stdio.c — see only_stdio.h. Close-on-exec rather than close: the child still needs its
 * own close-on-exec pipe to report a failed exec, and the exec closes everything at once. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "only_stdio.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

void only_stdio_at_exec(void)
{
	DIR *d;
	struct dirent *e;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		if (fd > 2 && fd != dirfd(d))
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}
