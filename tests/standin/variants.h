/* SPDX-License-Identifier: BSD-3-Clause */
/* variants.h: the answers nobody has recorded from the real TMDb, each with the variants it
 * may plausibly take (README.md, "Unrecorded answers"). The default of each is the answer
 * the stand-in has always given; --variant NAME=VALUE sets another at start-up and
 * POST /_standin/variant?NAME=VALUE until the next reset. Safe from any thread. */
#ifndef STANDIN_VARIANTS_H
#define STANDIN_VARIANTS_H

#include <stdatomic.h>
#include <stdio.h>

#include "buf.h"

enum variant_name {
	VAR_V4_NOT_APPROVED,   /* POST /4/auth/access_token, token live but not approved */
	VAR_V3_NOT_APPROVED,   /* session/new, token live but not approved yet */
	VAR_V3_SPENT,          /* session/new, token denied, used, expired or unknown */
	VAR_DELETE_UNKNOWN,    /* DELETE of a session / access token that is not live */
	VAR_BAD_BEARER,        /* a request whose Bearer token is not the application's */
	VAR_RATE_LIMIT,        /* the body and headers of a 429 fault */
	VAR_COUNT
};

/* Values, in the order of each variant's table in variants.c (0 = the default). */
enum { V4NA_422_41, V4NA_401_33, V4NA_401_17 };
enum { V3NA_401_17, V3NA_401_33 };
enum { V3SP_401_17, V3SP_401_33 };
enum { DELU_DEFAULT, DELU_404_6, DELU_401_35, DELU_200 };
enum { BEAR_401_7, BEAR_401_3 };
enum { RATE_JSON, RATE_JSON_RETRY_AFTER, RATE_TEXT, RATE_TEXT_RETRY_AFTER };

struct variants {
	atomic_int now[VAR_COUNT];
	int start[VAR_COUNT];          /* the command line's: what reset restores */
};

void variants_init(struct variants *v);
/* "NAME=VALUE": sets both the start-up and the current value. 0, or -1 (unknown). */
int variants_set_default(struct variants *v, const char *spec);
/* Sets the current value of NAME. 0, or -1 (unknown name or value). */
int variants_set(struct variants *v, const char *name, const char *value);
void variants_restore(struct variants *v);
int variants_get(struct variants *v, enum variant_name name);
/* {"NAME":"VALUE",...}: the current values. */
void variants_dump(struct variants *v, struct buf *out);
/* "NAME=V1|V2|..." lines for --help. */
void variants_usage(FILE *to);

#endif
