/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the module-helper protocol (module/helper_proto.h): every message survives a
 * round trip, every prefix of a frame is refused, and the bounds (lengths, counts, ranges,
 * NUL bytes, trailing bytes, a lone v4 half) are those the header states. Then hp_send and
 * hp_recv over a socket pair: a closed peer, truncation, an oversized length, a timeout. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "helper_proto.h"

static struct tmdb_session sample_session(bool v4)
{
	struct tmdb_session s = { 0 };
	s.session_id = strdup("0123456789abcdef0123456789abcdef01234567");
	s.account_id = 1001;
	s.username = strdup("alice");
	if (v4) {
		s.access_token = strdup("eyJhbGciOi.token.sig");
		s.account_object_id = strdup("5f0a1b2c3d4e5f6a7b8c9d0e");
	}
	return s;
}

static struct hp_request sample_request(void)
{
	struct hp_request r;
	memset(&r, 0, sizeof(r));
	r.version = HP_VERSION;
	r.op = HP_OP_ACCOUNT;
	r.flags = 0x8000;
	r.has_conv = 1;
	r.service = strdup("vlock");
	r.user = strdup("alice");
	r.tty = strdup("/dev/pts/3");
	r.return_to = strdup("http://127.0.0.1:4242/x");
	r.enroll = strdup("enroll");
	r.argc = 2;
	r.argv[0] = strdup("conf=/etc/security/pam_tmdb.conf");
	r.argv[1] = strdup("debug");
	r.has_session = 1;
	r.session = sample_session(true);
	return r;
}

static int decode_frame(const struct hp_buf *b, uint8_t want, size_t *n)
{
	*n = b->len - 5;
	return b->len >= 5 && b->data[4] == want ? 0 : -1;
}

static void test_request_round_trip(void)
{
	struct hp_request r = sample_request(), back;
	struct hp_buf b;
	size_t n;
	CHECK(hp_encode_request(&r, &b) == 0, "request encodes");
	CHECK(decode_frame(&b, HP_REQUEST, &n) == 0, "request frame type");
	CHECK(hp_decode_request(b.data + 5, n, &back) == 0, "request decodes");
	CHECK(back.op == HP_OP_ACCOUNT && back.flags == 0x8000 && back.has_conv == 1, "numbers kept");
	CHECK(strcmp(back.service, "vlock") == 0 && strcmp(back.user, "alice") == 0, "names kept");
	CHECK(back.xdisplay == NULL && back.rhost == NULL && strcmp(back.tty, "/dev/pts/3") == 0, "absent stays absent");
	CHECK(back.argc == 2 && strcmp(back.argv[1], "debug") == 0, "arguments kept");
	CHECK(back.enroll != NULL && strcmp(back.enroll, "enroll") == 0, "the enrolment action kept");
	CHECK(back.has_session && back.session.account_id == 1001 && strcmp(back.session.access_token, r.session.access_token) == 0,
	      "session kept");
	hp_request_clear(&back);
	/* every strict prefix of the payload is refused */
	{
		int refused = 0;
		for (size_t i = 0; i < n; i++)
			if (hp_decode_request(b.data + 5, i, &back) != 0)
				refused++;
		CHECK(refused == (int)n, "all %zu prefixes refused", n);
	}
	/* a trailing byte is refused */
	{
		unsigned char *p = malloc(n + 1);
		memcpy(p, b.data + 5, n);
		p[n] = 0;
		CHECK(hp_decode_request(p, n + 1, &back) != 0, "trailing byte refused");
		free(p);
	}
	hp_buf_free(&b);
	hp_request_clear(&r);
}

static int decode_with(struct hp_request *r)
{
	struct hp_buf b;
	struct hp_request back;
	size_t n;
	int rc;
	if (hp_encode_request(r, &b) != 0)
		return -2;
	decode_frame(&b, HP_REQUEST, &n);
	rc = hp_decode_request(b.data + 5, n, &back);
	if (rc == 0)
		hp_request_clear(&back);
	hp_buf_free(&b);
	return rc;
}

static void test_request_bounds(void)
{
	struct hp_request r = sample_request();
	char *long_user = malloc(HP_MAX_NAME + 2);
	memset(long_user, 'a', HP_MAX_NAME + 1);
	long_user[HP_MAX_NAME + 1] = '\0';

	r.version = 1;
	CHECK(decode_with(&r) == -1, "version 1 (no OUTCOME) refused");
	r.version = 3;
	CHECK(decode_with(&r) == -1, "another version refused");
	r.version = HP_VERSION;
	r.op = 0;
	CHECK(decode_with(&r) == -1, "op 0 refused");
	r.op = HP_OP_FORGET;
	CHECK(decode_with(&r) == 0, "op 4 taken");
	r.op = 5;
	CHECK(decode_with(&r) == -1, "op 5 refused");
	r.op = HP_OP_LOGOUT;
	CHECK(decode_with(&r) == 0, "op 3 taken");
	r.has_conv = 1;
	free(r.user);
	r.user = long_user;
	CHECK(decode_with(&r) == -1, "a user name over %d bytes refused", HP_MAX_NAME);
	long_user[HP_MAX_NAME] = '\0';
	CHECK(decode_with(&r) == 0, "a user name of %d bytes taken", HP_MAX_NAME);
	free(r.service);
	r.service = NULL;
	CHECK(decode_with(&r) == -1, "no service name refused (it is required)");
	r.service = strdup("svc");
	free(r.session.account_object_id);
	r.session.account_object_id = NULL;
	CHECK(decode_with(&r) == -1, "a v4 token without its account id refused");
	r.session.account_object_id = strdup("x");
	free(r.session.username);
	r.session.username = strdup("");
	CHECK(decode_with(&r) == 0, "an empty username is a string");
	hp_request_clear(&r);
}

static void test_request_counts_and_numbers(void)
{
	/* hand-made payloads: what an encoder would never write */
	unsigned char p[64];
	struct hp_request back;
	size_t n = 0;
#define U32(v) do { p[n++] = (unsigned char)((v) >> 24); p[n++] = (unsigned char)((v) >> 16); \
		p[n++] = (unsigned char)((v) >> 8); p[n++] = (unsigned char)(v); } while (0)
	U32(HP_VERSION); U32(1); U32(0); U32(2); /* has_conv 2 */
	CHECK(hp_decode_request(p, n, &back) == -1, "a boolean of 2 refused");
	n = 0;
	U32(HP_VERSION); U32(1); U32(0); U32(1);
	U32(1); p[n++] = 's';
	U32(2); p[n++] = 'u'; p[n++] = '\0';
	CHECK(hp_decode_request(p, n, &back) == -1, "a NUL inside a string refused");
	n = 0;
	U32(HP_VERSION); U32(1); U32(0); U32(1);
	U32(1); p[n++] = 's';
	U32(1); p[n++] = 'u';
	U32(HP_ABSENT); U32(HP_ABSENT); U32(HP_ABSENT); U32(HP_ABSENT); /* tty, xdisplay, rhost, return_to */
	U32(HP_ABSENT); /* enroll */
	U32(HP_MAX_ARGS + 1);
	CHECK(hp_decode_request(p, n, &back) == -1, "more than %d arguments refused", HP_MAX_ARGS);
	n -= 4;
	U32(0);
	U32(0);
	CHECK(hp_decode_request(p, n, &back) == 0, "the smallest request taken");
	hp_request_clear(&back);
	n -= 4;
	U32(1);
	U32(HP_ABSENT);
	CHECK(hp_decode_request(p, n, &back) == -1, "a session without its id refused");
#undef U32
}

static void test_other_messages(void)
{
	struct hp_conv c = { 2, { 4, 2 }, { NULL, NULL } }, cb;
	struct hp_conv_reply cr = { 0, NULL }, crb;
	struct hp_log l = { 6, NULL }, lb;
	struct hp_result res, rb;
	struct hp_buf b;
	uint32_t taken = 99;
	size_t n = 0;

	c.text[0] = strdup("To sign in...\nhttps://x/authenticate/abc");
	c.text[1] = strdup("Press Enter: ");
	CHECK(hp_encode_conv(&c, &b) == 0 && decode_frame(&b, HP_CONV, &n) == 0 &&
	      hp_decode_conv(b.data + 5, n, &cb) == 0 && cb.n == 2 && strcmp(cb.text[1], "Press Enter: ") == 0,
	      "conversation round trip");
	hp_conv_clear(&cb);
	hp_buf_free(&b);
	c.n = 0;
	CHECK(hp_encode_conv(&c, &b) == 0 && decode_frame(&b, HP_CONV, &n) == 0 && hp_decode_conv(b.data + 5, n, &cb) == -1,
	      "a conversation call of no message refused");
	hp_buf_free(&b);
	c.n = 2;
	hp_conv_clear(&c);

	cr.reply = strdup("denied");
	CHECK(hp_encode_conv_reply(&cr, &b) == 0 && decode_frame(&b, HP_CONV_REPLY, &n) == 0 &&
	      hp_decode_conv_reply(b.data + 5, n, &crb) == 0 && strcmp(crb.reply, "denied") == 0, "reply round trip");
	hp_conv_reply_clear(&crb);
	hp_buf_free(&b);
	free(cr.reply);
	cr.reply = malloc(HP_MAX_REPLY + 2);
	memset(cr.reply, 'x', HP_MAX_REPLY + 1);
	cr.reply[HP_MAX_REPLY + 1] = '\0';
	CHECK(hp_encode_conv_reply(&cr, &b) == 0 && decode_frame(&b, HP_CONV_REPLY, &n) == 0 &&
	      hp_decode_conv_reply(b.data + 5, n, &crb) == -1, "a reply over %d bytes refused", HP_MAX_REPLY);
	hp_buf_free(&b);
	free(cr.reply);

	l.text = (char *)(uintptr_t)"TMDb account 1001 authenticated";
	CHECK(hp_encode_log(&l, &b) == 0 && decode_frame(&b, HP_LOG, &n) == 0 && hp_decode_log(b.data + 5, n, &lb) == 0 &&
	      lb.prio == 6, "log round trip");
	hp_log_clear(&lb);
	hp_buf_free(&b);
	l.prio = 8;
	CHECK(hp_encode_log(&l, &b) == 0 && decode_frame(&b, HP_LOG, &n) == 0 && hp_decode_log(b.data + 5, n, &lb) == -1,
	      "a log priority over 7 refused");
	hp_buf_free(&b);

	memset(&res, 0, sizeof(res));
	res.rc = 0;
	res.export_env = 1;
	res.has_session = 1;
	res.session = sample_session(false);
	CHECK(hp_encode_result(&res, &b) == 0 && decode_frame(&b, HP_RESULT, &n) == 0 &&
	      hp_decode_result(b.data + 5, n, &rb) == 0 && rb.export_env == 1 && rb.session.access_token == NULL &&
	      strcmp(rb.session.session_id, res.session.session_id) == 0, "result round trip");
	hp_result_clear(&rb);
	hp_buf_free(&b);
	res.session.account_id = 0;
	CHECK(hp_encode_result(&res, &b) == 0 && decode_frame(&b, HP_RESULT, &n) == 0 &&
	      hp_decode_result(b.data + 5, n, &rb) == -1, "account id 0 refused");
	hp_buf_free(&b);
	hp_result_clear(&res);

	CHECK(hp_encode_taken(0, &b) == 0 && decode_frame(&b, HP_TAKEN, &n) == 0 && hp_decode_taken(b.data + 5, n, &taken) == 0 &&
	      taken == 0, "taken round trip");
	CHECK(hp_decode_taken(b.data + 5, n - 1, &taken) == -1, "a short taken refused");
	hp_buf_free(&b);

	for (uint32_t o = HP_CLAIM; o <= HP_REVOKE; o++) {
		uint32_t back = 0;
		CHECK(hp_encode_outcome(o, &b) == 0 && decode_frame(&b, HP_OUTCOME, &n) == 0 &&
		      hp_decode_outcome(b.data + 5, n, &back) == 0 && back == o, "outcome %u round trip", o);
		CHECK(hp_decode_outcome(b.data + 5, n - 1, &back) == -1, "a short outcome refused");
		hp_buf_free(&b);
	}
	for (uint32_t o = 0; o < 6; o += 4) {
		uint32_t back = 0;
		CHECK(hp_encode_outcome(o, &b) == 0 && decode_frame(&b, HP_OUTCOME, &n) == 0 &&
		      hp_decode_outcome(b.data + 5, n, &back) == -1, "outcome %u refused", o);
		hp_buf_free(&b);
	}
	CHECK(hp_encode_outcome(HP_CLAIM, &b) == 0, "outcome encoded");
	{
		unsigned char longer[8] = { 0 };
		uint32_t back = 0;
		memcpy(longer, b.data + 5, 4);
		CHECK(hp_decode_outcome(longer, sizeof(longer), &back) == -1, "an outcome with trailing bytes refused");
	}
	hp_buf_free(&b);
}

static void test_frame_limit(void)
{
	struct hp_buf b;
	char *big = malloc(HP_MAX_FRAME + 1);
	memset(big, 'a', HP_MAX_FRAME);
	big[HP_MAX_FRAME] = '\0';
	hp_buf_start(&b, HP_LOG);
	hp_put_u32(&b, 3);
	hp_put_str(&b, big);
	CHECK(hp_finish(&b) == -1, "a frame over %d bytes is not finished", HP_MAX_FRAME);
	hp_buf_free(&b);
	free(big);
}

static void test_socket(void)
{
	int sv[2];
	struct hp_buf b;
	uint8_t type = 0;
	unsigned char *p = NULL;
	size_t n = 0;
	const char *why = NULL;
	unsigned char bad[5] = { 0x00, 0x01, 0x00, 0x02, HP_LOG };

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	hp_encode_taken(7, &b);
	CHECK(hp_send(sv[0], &b) == 0, "sent");
	hp_buf_free(&b);
	CHECK(hp_recv(sv[1], 1000, &type, &p, &n, &why) == 0 && type == HP_TAKEN && n == 4, "received");
	hp_payload_free(p, n);
	CHECK(hp_recv(sv[1], 50, &type, &p, &n, &why) == -1 && strcmp(why, "timeout") == 0, "timeout");
	CHECK(write(sv[0], bad, sizeof(bad)) == 5, "oversized header written");
	CHECK(hp_recv(sv[1], 1000, &type, &p, &n, &why) == -1 && strcmp(why, "too large") == 0,
	      "a length over HP_MAX_FRAME refused before reading it (%s)", why);
	/* after a refused frame the stream is given up: a fresh pair */
	close(sv[0]);
	close(sv[1]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	bad[0] = 0;
	bad[1] = 0;
	bad[2] = 0;
	bad[3] = 9;
	CHECK(write(sv[0], bad, sizeof(bad)) == 5, "short frame written");
	close(sv[0]);
	CHECK(hp_recv(sv[1], 1000, &type, &p, &n, &why) == -1 && strcmp(why, "truncated") == 0, "truncated");
	CHECK(hp_recv(sv[1], 1000, &type, &p, &n, &why) == -1 && strcmp(why, "closed") == 0, "closed");
	hp_encode_taken(0, &b);
	CHECK(hp_send(sv[1], &b) == -1, "sending to a closed peer fails (and raises no SIGPIPE)");
	hp_buf_free(&b);
	close(sv[1]);
}

/* A peer that drips a frame a byte at a time, each byte well within the timeout, still runs
 * into it: the deadline is the whole frame's. (Slower than planned only makes it surer.) */
static void test_drip(void)
{
	int sv[2];
	pid_t pid;
	uint8_t type = 0;
	unsigned char *p = NULL;
	size_t n = 0;
	const char *why = NULL;
	int rc;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = fork();
	if (pid == 0) {
		unsigned char frame[24] = { 0, 0, 0, 20, HP_LOG };
		close(sv[1]);
		for (size_t i = 0; i < sizeof(frame); i++) {
			if (write(sv[0], frame + i, 1) != 1)
				_exit(0);
			usleep(40 * 1000);
		}
		_exit(0);
	}
	close(sv[0]);
	rc = hp_recv(sv[1], 300, &type, &p, &n, &why);
	CHECK(rc == -1 && strcmp(why, "timeout") == 0, "a frame dripped at 40 ms a byte (960 ms) ends at a 300 ms deadline (%s)",
	      why ? why : "received");
	if (rc == 0)
		hp_payload_free(p, n);
	close(sv[1]);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	test_request_round_trip();
	test_request_bounds();
	test_request_counts_and_numbers();
	test_other_messages();
	test_frame_limit();
	test_socket();
	test_drip();
	CHECK_DONE();
}
