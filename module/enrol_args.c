/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "enrol_args.h"

#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>

#include "enrol_record.h"

static bool arg_is_true(const char *arg)
{
	static const char *const yes[] = { "enroll", "enroll=yes", "enroll=true", "enroll=on", "enroll=1" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcmp(arg, yes[i]) == 0)
			return true;
	return false;
}

bool enrol_requested(int argc, const char **argv)
{
	bool on = false;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "enroll", 6) == 0 && (argv[i][6] == '\0' || argv[i][6] == '='))
			on = arg_is_true(argv[i]); /* the last one wins, as in the parser */
	return on;
}

char *enrol_take_action(pam_handle_t *pamh)
{
	const char *v = pam_getenv(pamh, TMDB_ENROLL_ENV);
	char *copy = v != NULL ? strdup(v) : NULL;
	if (v != NULL)
		pam_putenv(pamh, TMDB_ENROLL_ENV); /* for this call only */
	return copy;
}
