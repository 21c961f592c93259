/* SPDX-License-Identifier: BSD-3-Clause */
/* standin.h: the stand-in's shared context, handed to every handler. */
#ifndef STANDIN_STANDIN_H
#define STANDIN_STANDIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "faults.h"
#include "state.h"
#include "stats.h"
#include "variants.h"

struct standin {
	struct state state;
	struct faults faults;
	struct stats stats;
	struct variants variants;     /* the unrecorded answers */
	atomic_bool stopping;        /* set on SIGINT/SIGTERM */
	bool tls;
	bool quiet;
	char *public_url;            /* no trailing slash */
	char **api_keys;
	size_t n_api_keys;
	char **access_tokens;
	size_t n_access_tokens;
};

#endif
