/* SPDX-License-Identifier: BSD-3-Clause */
/* util.c: random identifiers, timestamps, number parsing, sleeps. */
#include "config.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int random_hex(char *out, size_t nhex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t nbytes = (nhex + 1) / 2, got = 0, i;
	int fd, rc = -1;

	if (nbytes > sizeof(raw))
		return -1;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got < nbytes) {
		ssize_t n = read(fd, raw + got, nbytes - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	for (i = 0; i < nhex; i++)
		out[i] = digits[(raw[i / 2] >> ((i % 2) ? 0 : 4)) & 0x0f];
	out[nhex] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

void format_tmdb_time(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, 32, "1970-01-01 00:00:00 UTC");
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_flag(const char *s, bool *out)
{
	if (s == NULL || *s == '\0' || strcmp(s, "1") == 0 ||
	    strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "on") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

bool sleep_ms(const atomic_bool *stopping, long ms)
{
	struct timespec deadline, now, step;

	if (ms <= 0)
		return !atomic_load(stopping);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		long left_ms;

		if (atomic_load(stopping))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ms = (long)(deadline.tv_sec - now.tv_sec) * 1000L +
			  (deadline.tv_nsec - now.tv_nsec) / 1000000L;
		if (left_ms <= 0 && (now.tv_sec > deadline.tv_sec ||
				     (now.tv_sec == deadline.tv_sec &&
				      now.tv_nsec >= deadline.tv_nsec)))
			return true;
		if (left_ms > 20)
			left_ms = 20;
		step.tv_sec = 0;
		step.tv_nsec = (left_ms > 0 ? left_ms : 1) * 1000000L;
		nanosleep(&step, NULL);
	}
}
