/* SPDX-License-Identifier: BSD-3-Clause */
/* helper_proto.h — the pipe protocol between pam_tmdb.so in a host that runs as an ordinary
 * user (helper_client.c) and the setgid pam_tmdb_helper (helper/). One AF_UNIX stream socket
 * pair; each message is a frame:
 *
 *     u32 length (big-endian, of what follows: 1 + payload, at most HP_MAX_FRAME)
 *     u8  type (enum hp_type)
 *     payload: u32 numbers (big-endian) and strings (u32 length, then the bytes, no NUL;
 *              HP_ABSENT as the length for "not given"), in the order of each message below
 *
 * A conversation: the module sends one REQUEST; the helper answers with any number of LOG and
 * CONV frames (each CONV is answered by one CONV_REPLY), then one RESULT; a RESULT that hands
 * over a session is answered by one TAKEN, without which the helper deletes the session on
 * the server. After a TAKEN the helper stays until the host's login is set up: the module
 * sends one OUTCOME (CLAIM at open_session, FORGET at pam_end(PAM_SUCCESS) without
 * open_session, REVOKE at pam_end with an error status), answered by LOG frames and one RESULT
 * (no session). Without an OUTCOME (the socket closed, or HP_HOLD_TIMEOUT_MS passed) the
 * helper deletes the session when the host process is gone and otherwise leaves the record
 * held by the host (pam_tmdb_helper(8), LIFETIME). The helper takes nothing else and ends
 * when the socket closes. Every decoder
 * bounds what it takes and refuses trailing bytes; strings never hold a NUL byte. A leaf of
 * the base layer: it knows only the credential and the sizes. */
#ifndef PAM_TMDB_HELPER_PROTO_H
#define PAM_TMDB_HELPER_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "credential.h"

#define HP_VERSION 2 /* 2: OUTCOME after TAKEN; no RECORD op */
#define HP_MAX_FRAME (64 * 1024)
#define HP_ABSENT 0xffffffffu
#define HP_MAX_ARGS 32          /* module arguments forwarded */
#define HP_MAX_ARG 1024         /* bytes of one module argument */
#define HP_MAX_NAME 256         /* user, service, PAM items, paths of one argument */
#define HP_MAX_PATH 4096
#define HP_MAX_MSGS 4           /* messages of one conversation call (conv.h CONV_MAX_MSGS) */
#define HP_MAX_TEXT 32768       /* one conversation message (a QR code of a long URL fits) */
#define HP_MAX_REPLY 1024       /* one answer to a prompt */
#define HP_MAX_LOG 1024         /* one log line */
#define HP_MAX_SECRET 4096      /* a session id, a v4 access token */
/* The longest the helper waits for the OUTCOME after TAKEN: a host that takes longer between
 * authenticate and open_session (or pam_end) has its session left recorded, held by it. */
#define HP_HOLD_TIMEOUT_MS (15 * 60 * 1000)

enum hp_type { HP_REQUEST = 1, HP_CONV = 2, HP_CONV_REPLY = 3, HP_LOG = 4, HP_RESULT = 5, HP_TAKEN = 6, HP_OUTCOME = 7 };

/* what the helper is asked to do: pam_sm_authenticate's, acct_mgmt's or close_session's work;
 * FORGET: pam_end(PAM_SUCCESS) after open_session without close_session (the host keeps its
 * session open, as tmdb-login --keep does): the journal record of the session given goes */
enum hp_op { HP_OP_AUTHENTICATE = 1, HP_OP_ACCOUNT = 2, HP_OP_LOGOUT = 3, HP_OP_FORGET = 4 };

/* What became of the login the helper handed a session to (the OUTCOME frame's one number):
 * CLAIM: open_session: the host holds the login; the journal record (held by the host) stays.
 * FORGET: pam_end(PAM_SUCCESS) without open_session (a credential request): the record goes,
 *         the session stays.
 * REVOKE: pam_end with an error status (refused after authenticate): the session is deleted
 *         on the server whatever logout_on_close says, and the record goes. */
enum hp_outcome { HP_CLAIM = 1, HP_FORGET = 2, HP_REVOKE = 3 };

struct hp_request {
	uint32_t version;       /* HP_VERSION */
	uint32_t op;            /* enum hp_op */
	uint32_t flags;         /* the entry point's PAM flags */
	uint32_t has_conv;      /* did the host give a conversation function? */
	char *service, *user;   /* PAM_SERVICE, PAM_USER */
	char *tty, *xdisplay, *rhost; /* PAM items, or NULL */
	char *return_to;        /* TMDB_RETURN_TO taken from the host's PAM environment, or NULL */
	char *enroll;           /* TMDB_ENROLL taken from it when the service enrols (enrol.h), or NULL */
	uint32_t argc;
	char *argv[HP_MAX_ARGS]; /* module arguments (conf= and the presentation keys) */
	uint32_t has_session;   /* acct_mgmt, close_session: the session the host holds */
	struct tmdb_session session;
};

struct hp_conv {
	uint32_t n;
	uint32_t style[HP_MAX_MSGS];
	char *text[HP_MAX_MSGS];
};

struct hp_conv_reply {
	uint32_t rc;            /* PAM_SUCCESS or PAM_CONV_ERR */
	char *reply;            /* the answer to the call's last prompt, or NULL */
};

struct hp_log {
	uint32_t prio;
	char *text;
};

struct hp_result {
	uint32_t rc;            /* the entry point's PAM code */
	uint32_t export_env;    /* hand the session over in the PAM environment too */
	uint32_t forget;        /* close_session ended the session: forget it; the answer to a
				 * CLAIM: the session is recorded (pam_end(PAM_SUCCESS) without
				 * close_session asks FORGET) */
	uint32_t has_session;   /* authenticate: the session to hand over (answer with TAKEN) */
	struct tmdb_session session;
};

/* A growing frame under construction. */
struct hp_buf {
	unsigned char *data;
	size_t len, cap;
	int failed;             /* out of memory or over HP_MAX_FRAME: hp_finish refuses */
};

void hp_buf_start(struct hp_buf *b, enum hp_type type);
void hp_put_u32(struct hp_buf *b, uint32_t v);
void hp_put_str(struct hp_buf *b, const char *s); /* NULL: HP_ABSENT */
/* Fills in the length: 0, or -1 (failed). */
int hp_finish(struct hp_buf *b);
/* Wipes (frames carry secrets) and frees. */
void hp_buf_free(struct hp_buf *b);

/* Encoders: 0 with *b a complete frame (hp_buf_free it), -1 when out of memory or too large. */
int hp_encode_request(const struct hp_request *r, struct hp_buf *b);
int hp_encode_conv(const struct hp_conv *c, struct hp_buf *b);
int hp_encode_conv_reply(const struct hp_conv_reply *c, struct hp_buf *b);
int hp_encode_log(const struct hp_log *l, struct hp_buf *b);
int hp_encode_result(const struct hp_result *r, struct hp_buf *b);
int hp_encode_taken(uint32_t rc, struct hp_buf *b);
int hp_encode_outcome(uint32_t outcome, struct hp_buf *b);

/* Decoders of one payload (the bytes after the type): 0, or -1 for anything malformed,
 * oversized, out of range or followed by more bytes (the struct is then cleared). */
int hp_decode_request(const unsigned char *p, size_t n, struct hp_request *r);
int hp_decode_conv(const unsigned char *p, size_t n, struct hp_conv *c);
int hp_decode_conv_reply(const unsigned char *p, size_t n, struct hp_conv_reply *c);
int hp_decode_log(const unsigned char *p, size_t n, struct hp_log *l);
int hp_decode_result(const unsigned char *p, size_t n, struct hp_result *r);
int hp_decode_taken(const unsigned char *p, size_t n, uint32_t *rc);
/* An enum hp_outcome, nothing else. */
int hp_decode_outcome(const unsigned char *p, size_t n, uint32_t *outcome);

/* Wipe and free what a decoder (or a caller) filled. */
void hp_request_clear(struct hp_request *r);
void hp_conv_clear(struct hp_conv *c);
void hp_conv_reply_clear(struct hp_conv_reply *c);
void hp_log_clear(struct hp_log *l);
void hp_result_clear(struct hp_result *r);

/* Sends a finished frame on a stream socket (MSG_NOSIGNAL: a closed peer is an error, never
 * SIGPIPE). 0 or -1. */
int hp_send(int fd, const struct hp_buf *b);

/* Receives one frame: waits at most timeout_ms (<0: for ever) for the whole frame. 0 with *type and
 * *payload (hp_payload_free(*payload, *len)), or -1 with *why: "closed" (the peer went away
 * before a frame began), "timeout", "too large", "truncated", "read error", "out of memory". */
int hp_recv(int fd, int timeout_ms, uint8_t *type, unsigned char **payload, size_t *len, const char **why);
void hp_payload_free(unsigned char *payload, size_t len);

#endif
