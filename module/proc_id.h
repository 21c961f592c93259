/* SPDX-License-Identifier: BSD-3-Clause */
/* proc_id.h — what names a process across time: its pid, its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot) and the boot id (/proc/sys/kernel/random/boot_id).
 * A pid is reused; the three together are not. */
#ifndef PAM_TMDB_PROC_ID_H
#define PAM_TMDB_PROC_ID_H

#include <stdbool.h>
#include <sys/types.h>

#define PROC_BOOT_ID_LEN 36 /* 8-4-4-4-12 hex digits and dashes */

struct proc_id {
	pid_t pid;                /* 0: no process */
	unsigned long long start; /* clock ticks after boot */
};

/* The start time of pid: 0, or -1 when there is no such process (or /proc cannot tell). */
int proc_start_time(pid_t pid, unsigned long long *start);

/* This boot's id into out (PROC_BOOT_ID_LEN + 1 bytes): 0 or -1. */
int proc_boot_id(char *out);

/* Does the process id name still run on this boot? (boot is the boot id it was seen on.) */
bool proc_alive(const struct proc_id *id, const char *boot, const char *this_boot);

/* Does the process id names run on this boot and not end? A process that is being killed
 * (PF_EXITING, set before its descriptors are closed) or a zombie is not running, though
 * proc_alive still takes it. For the setgid helper, which sees its caller's socket close. */
bool proc_running(const struct proc_id *id);

/* Is s shaped like a boot id (lower-case hex and dashes, PROC_BOOT_ID_LEN long)? */
bool proc_is_boot_id(const char *s);

#endif
