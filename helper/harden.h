/* SPDX-License-Identifier: BSD-3-Clause */
/* harden.h — what pam_tmdb_helper does first, before it reads anything: its caller controls
 * its arguments, environment, descriptors, signal dispositions and mask, interval timers and
 * resource limits, and may run it as often as it likes. */
#ifndef PAM_TMDB_HELPER_HARDEN_H
#define PAM_TMDB_HELPER_HARDEN_H

/* Not dumpable (no core, no ptrace, /proc/PID/environ and mem root's), core limit 0, no new
 * privileges, umask 077, cwd /, an empty environment but a fixed PATH, signal dispositions and
 * mask reset (the terminal's job-control and interrupt signals and the timer signals ignored:
 * the host going away is noticed on the socket instead, see relay.h), interval timers off.
 * 0, or -1 when one of these could not be made (the helper then serves nothing). */
int harden_process(void);

/* Descriptor 0 must be an AF_UNIX stream socket (pam_tmdb.so's end of the protocol); every
 * other inherited descriptor is closed, 1 and 2 become /dev/null. 0, or -1 (why in *why). */
int harden_descriptors(const char **why);

#endif
