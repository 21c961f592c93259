/* SPDX-License-Identifier: BSD-3-Clause */
/* jwt.c: JWT-shaped opaque tokens for the v4 endpoints. */
#include "config.h"

#include "jwt.h"

#include <string.h>

#include "util.h"

/* {"alg":"HS256"}, as TMDb's tokens begin */
#define HEADER "eyJhbGciOiJIUzI1NiJ9"
#define SIG_BYTES 32

void base64url(struct buf *out, const unsigned char *in, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = { abc[in[i] >> 2], abc[((in[i] & 3) << 4) | (in[i + 1] >> 4)],
			      abc[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)], abc[in[i + 2] & 63] };
		buf_add(out, q, 4);
	}
	if (n - i == 1) {
		char q[2] = { abc[in[i] >> 2], abc[(in[i] & 3) << 4] };
		buf_add(out, q, 2);
	} else if (n - i == 2) {
		char q[3] = { abc[in[i] >> 2], abc[((in[i] & 3) << 4) | (in[i + 1] >> 4)], abc[(in[i + 1] & 15) << 2] };
		buf_add(out, q, 3);
	}
}

int jwt_make(struct buf *out, const char *payload_json)
{
	char hex[2 * SIG_BYTES + 1];
	unsigned char sig[SIG_BYTES];
	size_t i;

	if (random_hex(hex, 2 * SIG_BYTES) != 0)
		return -1;
	for (i = 0; i < SIG_BYTES; i++) {
		unsigned hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
		unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' : hex[2 * i + 1] - 'a' + 10);

		sig[i] = (unsigned char)(hi << 4 | lo);
	}
	buf_adds(out, HEADER ".");
	base64url(out, (const unsigned char *)payload_json, strlen(payload_json));
	buf_adds(out, ".");
	base64url(out, sig, SIG_BYTES);
	return 0;
}
