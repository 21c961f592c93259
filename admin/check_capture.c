/* SPDX-License-Identifier: BSD-3-Clause */
/* check_capture.c — the module logs through pam_syslog; `tmdbctl check` quotes those lines in
 * its problems (why TLS failed, what TMDb answered) instead of guessing. While a step runs,
 * syslog also writes to standard error (LOG_PERROR), which points at a temporary file. The
 * module never logs a secret, so neither does the quote. */
#include "config.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

int check_capture_begin(struct check_capture *cap)
{
	fflush(stderr);
	cap->tmp = tmpfile();
	if (cap->tmp == NULL)
		return -1;
	cap->saved_fd = dup(STDERR_FILENO);
	if (cap->saved_fd < 0 || dup2(fileno(cap->tmp), STDERR_FILENO) < 0) {
		if (cap->saved_fd >= 0)
			close(cap->saved_fd);
		fclose(cap->tmp);
		return -1;
	}
	closelog();
	openlog("tmdbctl", LOG_PERROR, LOG_AUTHPRIV);
	return 0;
}

/* "tmdbctl: PAM GET /3/...: why\n" -> "GET /3/...: why" */
static const char *strip_prefix(const char *line)
{
	static const char *const prefixes[] = { "tmdbctl: ", "PAM " };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0)
			line += strlen(prefixes[i]);
	return line;
}

char *check_capture_end(struct check_capture *cap)
{
	char line[1024];
	size_t len = 0, cap_len = 256;
	char *out = malloc(cap_len);

	fflush(stderr);
	dup2(cap->saved_fd, STDERR_FILENO);
	close(cap->saved_fd);
	/* the rest of the check logs to the system log only: its findings are the report */
	closelog();
	openlog("tmdbctl", 0, LOG_AUTHPRIV);
	if (out == NULL) {
		fclose(cap->tmp);
		return NULL;
	}
	out[0] = '\0';
	rewind(cap->tmp);
	while (fgets(line, sizeof(line), cap->tmp) != NULL) {
		const char *l = strip_prefix(line);
		size_t n = strcspn(l, "\r\n");
		if (n == 0)
			continue;
		if (len + n + 3 > cap_len) {
			char *grown;
			cap_len = (len + n + 3) * 2;
			grown = realloc(out, cap_len);
			if (grown == NULL)
				break;
			out = grown;
		}
		if (len > 0) {
			memcpy(out + len, "; ", 2);
			len += 2;
		}
		memcpy(out + len, l, n);
		len += n;
		out[len] = '\0';
	}
	fclose(cap->tmp);
	return out;
}
