/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "proc_id.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads at most cap-1 bytes of a small /proc file into buf (NUL-terminated). */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

#define PF_EXITING_FLAG 0x4 /* the kernel's PF_EXITING, field 9 of /proc/PID/stat */

/* Fields 3 (state), 9 (flags) and 22 (start time) of /proc/PID/stat. 0 or -1. */
static int read_stat(pid_t pid, char *state, unsigned long long *flags, unsigned long long *start)
{
	char path[64], buf[1024], *p, *end = NULL;
	int field;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields are
	 * counted from the last ')' (field 2's end); starttime is field 22 */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	*state = p[2];
	p++;
	for (field = 2; field < 21; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return -1;
		if (field == 7) /* p is now before field 9 */
			*flags = strtoull(p + 1, NULL, 10);
	}
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	if (errno != 0 || end == p + 1 || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -1;
	return 0;
}

int proc_start_time(pid_t pid, unsigned long long *start)
{
	char state;
	unsigned long long flags = 0;
	return read_stat(pid, &state, &flags, start);
}

bool proc_running(const struct proc_id *id)
{
	char state = '?';
	unsigned long long flags = 0, start = 0;
	if (read_stat(id->pid, &state, &flags, &start) != 0 || start != id->start)
		return false;
	return state != 'Z' && state != 'X' && state != 'x' && (flags & PF_EXITING_FLAG) == 0;
}

bool proc_is_boot_id(const char *s)
{
	size_t n = strlen(s);
	if (n != PROC_BOOT_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

int proc_boot_id(char *out)
{
	char buf[64];
	ssize_t n = read_small("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));
	if (n < PROC_BOOT_ID_LEN)
		return -1;
	buf[PROC_BOOT_ID_LEN] = '\0';
	if (!proc_is_boot_id(buf))
		return -1;
	memcpy(out, buf, PROC_BOOT_ID_LEN + 1);
	return 0;
}

bool proc_alive(const struct proc_id *id, const char *boot, const char *this_boot)
{
	unsigned long long start;
	if (id->pid <= 0 || strcmp(boot, this_boot) != 0)
		return false;
	return proc_start_time(id->pid, &start) == 0 && start == id->start;
}
