/* SPDX-License-Identifier: BSD-3-Clause */
/* tmdb-host: see host.h and `tmdb-host --help`. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <curl/curl.h>
#include <locale.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct host_opts o;
	int rc;

	/* as login, sshd and su do: the caller's locale is in force (LC_ALL, LOCPATH), and the
	 * module's decisions must not depend on it */
	setlocale(LC_ALL, "");
	rc = host_parse_options(argc, argv, &o);

	if (rc != 0) {
		host_free_options(&o);
		return rc < 0 ? 0 : rc;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "tmdb-host: curl_global_init failed\n");
		host_free_options(&o);
		return 1;
	}
	rc = host_run(&o);
	curl_global_cleanup();
	host_free_options(&o);
	return rc;
}
