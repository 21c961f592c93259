/* SPDX-License-Identifier: BSD-3-Clause */
/* jwt.h: tokens shaped like TMDb's v4 ones, JSON Web Tokens (three base64url parts joined by
 * '.'): a fixed header, the given JSON payload, a random "signature". The stand-in never
 * verifies them: it looks them up in its state, as TMDb's clients must treat them as opaque. */
#ifndef STANDIN_JWT_H
#define STANDIN_JWT_H

#include <stddef.h>

#include "buf.h"

/* Appends base64url (no padding) of n bytes. */
void base64url(struct buf *out, const unsigned char *in, size_t n);

/* Appends a token for payload (a JSON object). Returns 0, or -1 when /dev/urandom fails. */
int jwt_make(struct buf *out, const char *payload_json);

#endif
