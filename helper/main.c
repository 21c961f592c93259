/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_tmdb_helper: serves pam_tmdb.so in a host that runs as an ordinary user (a screen locker,
 * tmdb-login run by a user) and may not read the API key. Installed setgid to the group that
 * may read the key; reviewed as if it were setuid root: its caller controls everything about
 * how it starts. See man/pam_tmdb_helper.8 and module/helper_proto.h.
 *
 * Exit status: 0 a request was served (whatever its PAM code), 2 not started by pam_tmdb.so
 * (arguments, no socket), 3 bad input on the socket, 4 the helper could not make itself safe. */
#include "config.h"

#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "harden.h"
#include "helper_proto.h"
#include "relay.h"
#include "serve.h"

#define REQUEST_TIMEOUT_MS (30 * 1000)

#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer build (configure --enable-sanitizers): LeakSanitizer stops the process's threads
 * with ptrace at exit, which a process that made itself not dumpable forbids, and would turn
 * every exit into a failure. ASan's other checks stay on. */
const char *__asan_default_options(void) __attribute__((visibility("default"), used));
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

int main(int argc, char **argv)
{
	struct hp_request req;
	const char *why = NULL;
	int rc;

	(void)argv;
	if (harden_process() != 0)
		return 4;
	if (argc > 1) {
		relay_audit(LOG_WARNING, "refused: started with arguments (pam_tmdb_helper takes none)");
		return 2;
	}
	if (harden_descriptors(&why) != 0) {
		relay_audit(LOG_WARNING, "refused: %s", why);
		return 2;
	}
	relay_start(0);
	if (relay_read_request(REQUEST_TIMEOUT_MS, &req) != 0)
		return 3;
	if (serve_check_request(&req) != 0) {
		hp_request_clear(&req);
		return 3;
	}
	if (relay_watch() != 0) {
		hp_request_clear(&req);
		return 4;
	}
	rc = serve(&req);
	(void)rc;
	hp_request_clear(&req);
	/* served, the session handed over or deleted, the secrets wiped: the host waits for this
	 * exit (waitpid), so skip the libraries' exit handlers (OpenSSL's and libcurl's teardown),
	 * which would only free memory the kernel takes back at once */
	_exit(0);
}
