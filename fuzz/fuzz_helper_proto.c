/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_helper_proto.c — the helper's side of the module-helper protocol
 * (module/helper_proto.h): what pam_tmdb_helper reads from its caller, who may be any local
 * user writing any bytes. Links the module's objects (helper_proto.o, credential.o, wipe.o).
 *
 * Input format: the bytes on the socket, as they are. They are written into a socket pair
 * and read back with hp_recv, frame by frame, as the helper reads them, until it refuses or
 * the stream ends; each frame is decoded by the decoder for its type (REQUEST, CONV_REPLY,
 * TAKEN, OUTCOME: what the helper takes; the module's LOG, CONV and RESULT decoders too).
 *
 * Checked:
 *   - hp_recv hands out a payload of at most HP_MAX_FRAME - 1 bytes, and refuses with a reason;
 *   - a decoded message keeps the stated bounds: argc <= HP_MAX_ARGS, each string within its
 *     maximum and without a NUL, both v4 halves or neither, a positive account id;
 *   - a decoded message encodes back to exactly the same bytes (the decoder takes one
 *     spelling only), and a refused payload leaves the struct cleared. */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper_proto.h"

#include "fuzz_util.h"

static void check_str(const char *s, size_t max, bool optional)
{
	FUZZ_CHECK(s != NULL || optional, "a required string is absent");
	if (s != NULL)
		FUZZ_CHECK(strlen(s) <= max, "a string of %zu bytes over %zu", strlen(s), max);
}

static void check_session(uint32_t has, const struct tmdb_session *s)
{
	if (!has)
		return;
	check_str(s->session_id, HP_MAX_SECRET, false);
	check_str(s->username, HP_MAX_NAME, false);
	FUZZ_CHECK(s->account_id > 0, "account id %lld", s->account_id);
	FUZZ_CHECK((s->access_token == NULL) == (s->account_object_id == NULL), "one v4 half");
}

static void same_bytes(const struct hp_buf *b, const unsigned char *p, size_t n)
{
	FUZZ_CHECK(b->len == n + 5 && memcmp(b->data + 5, p, n) == 0, "re-encoded differently (%zu vs %zu bytes)",
		   b->len, n + 5);
}

static void one_frame(uint8_t type, const unsigned char *p, size_t n)
{
	struct hp_buf b;
	switch (type) {
	case HP_REQUEST: {
		struct hp_request r;
		if (hp_decode_request(p, n, &r) != 0) {
			FUZZ_CHECK(r.service == NULL && r.user == NULL && r.argc == 0, "not cleared");
			return;
		}
		FUZZ_CHECK(r.version == HP_VERSION && r.op >= HP_OP_AUTHENTICATE && r.op <= HP_OP_FORGET, "op %u", r.op);
		FUZZ_CHECK(r.argc <= HP_MAX_ARGS, "argc %u", r.argc);
		check_str(r.service, HP_MAX_NAME, false);
		check_str(r.user, HP_MAX_NAME, false);
		check_str(r.tty, HP_MAX_NAME, true);
		check_str(r.return_to, HP_MAX_ARG, true);
		check_str(r.enroll, HP_MAX_NAME, true);
		for (uint32_t i = 0; i < r.argc; i++)
			check_str(r.argv[i], HP_MAX_ARG, false);
		check_session(r.has_session, &r.session);
		FUZZ_CHECK(hp_encode_request(&r, &b) == 0, "does not encode back");
		same_bytes(&b, p, n);
		hp_buf_free(&b);
		hp_request_clear(&r);
		return;
	}
	case HP_CONV_REPLY: {
		struct hp_conv_reply c;
		if (hp_decode_conv_reply(p, n, &c) != 0)
			return;
		check_str(c.reply, HP_MAX_REPLY, true);
		FUZZ_CHECK(hp_encode_conv_reply(&c, &b) == 0, "does not encode back");
		same_bytes(&b, p, n);
		hp_buf_free(&b);
		hp_conv_reply_clear(&c);
		return;
	}
	case HP_TAKEN: {
		uint32_t rc;
		if (hp_decode_taken(p, n, &rc) != 0)
			return;
		FUZZ_CHECK(hp_encode_taken(rc, &b) == 0, "does not encode back");
		same_bytes(&b, p, n);
		hp_buf_free(&b);
		return;
	}
	case HP_OUTCOME: {
		uint32_t o;
		if (hp_decode_outcome(p, n, &o) != 0)
			return;
		FUZZ_CHECK(o >= HP_CLAIM && o <= HP_REVOKE, "outcome %u", o);
		FUZZ_CHECK(hp_encode_outcome(o, &b) == 0, "does not encode back");
		same_bytes(&b, p, n);
		hp_buf_free(&b);
		return;
	}
	case HP_CONV: {
		struct hp_conv c;
		if (hp_decode_conv(p, n, &c) != 0)
			return;
		FUZZ_CHECK(c.n >= 1 && c.n <= HP_MAX_MSGS, "n %u", c.n);
		FUZZ_CHECK(hp_encode_conv(&c, &b) == 0, "does not encode back");
		same_bytes(&b, p, n);
		hp_buf_free(&b);
		hp_conv_clear(&c);
		return;
	}
	case HP_LOG: {
		struct hp_log l;
		if (hp_decode_log(p, n, &l) != 0)
			return;
		FUZZ_CHECK(l.prio <= 7, "prio %u", l.prio);
		hp_log_clear(&l);
		return;
	}
	case HP_RESULT: {
		struct hp_result r;
		if (hp_decode_result(p, n, &r) != 0)
			return;
		check_session(r.has_session, &r.session);
		FUZZ_CHECK(hp_encode_result(&r, &b) == 0, "does not encode back");
		same_bytes(&b, p, n);
		hp_buf_free(&b);
		hp_result_clear(&r);
		return;
	}
	default:
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	size_t off = 0;

	if (size > 200 * 1024 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	/* the socket buffer holds this much without a reader; write what fits, then close */
	while (off < size) {
		ssize_t w = send(sv[0], data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(sv[0]);
	for (;;) {
		uint8_t type = 0;
		unsigned char *p = NULL;
		size_t n = 0;
		const char *why = NULL;
		if (hp_recv(sv[1], 0, &type, &p, &n, &why) != 0) {
			FUZZ_CHECK(why != NULL && p == NULL, "refused without a reason");
			break;
		}
		FUZZ_CHECK(n < HP_MAX_FRAME, "payload of %zu bytes", n);
		one_frame(type, p, n);
		hp_payload_free(p, n);
	}
	close(sv[1]);
	return 0;
}
