/* SPDX-License-Identifier: BSD-3-Clause */
/* fork_guard.h — a threaded host may fork while another of its threads is inside libcurl and
 * OpenSSL, whose internal locks (the random generator's, for one) are then held for ever in
 * the child; the same holds for glibc's user database (the lock of its NSS module list is not
 * reset in a child). Every use of libcurl that can reach OpenSSL, and every user lookup, is made
 * inside the guard (shared: the module's threads never wait for each other), and fork() takes it
 * exclusively through pthread_atfork, so it waits until no module thread is inside (at most one
 * request's timeout) and the child starts with those locks free. A leaf: pthread only. */
#ifndef PAM_TMDB_FORK_GUARD_H
#define PAM_TMDB_FORK_GUARD_H

void fork_guard_enter(void);
void fork_guard_leave(void);

#endif
