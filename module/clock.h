/* SPDX-License-Identifier: BSD-3-Clause */
/* clock.h — the monotonic clock every deadline of the module is measured on (request budgets,
 * retry back-off, the approval deadline), and a sleep that survives signals. */
#ifndef PAM_TMDB_CLOCK_H
#define PAM_TMDB_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC (never jumps with the wall clock). */
long clock_now_ms(void);

/* Sleeps ms milliseconds (nothing for ms <= 0), resumed after EINTR. */
void clock_sleep_ms(long ms);

#endif
