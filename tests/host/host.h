/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmdb-host: a pamtester-like PAM host for pam_tmdb's end-to-end tests, demo and benchmark.
 * Shared types and the small interfaces between its files:
 *   options.c  command line                    jsonout.c  JSON events on stdout
 *   conv.c     conversation, scripted answers  approve.c  browser approval (libcurl)
 *   syslog_capture.c  syslog interposition     runner.c   ops, transactions, repeat/threads
 *   fork_storm.c  forks while the threads run PAM  dl_guard.c  keeps those forks out of dlopen
 */
#ifndef TMDB_HOST_H
#define TMDB_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <security/pam_appl.h>

enum approve_mode { APPROVE_AUTO, APPROVE_PROMPT, APPROVE_POLL };

enum op_kind {
	OP_AUTHENTICATE, OP_ACCT_MGMT, OP_SETCRED, OP_OPEN_SESSION, OP_CLOSE_SESSION,
	OP_CHAUTHTOK, OP_END, OP_END_KEEPENV, OP_ENV, OP_SPAWN, OP_STOP
};

struct host_op {
	const char *name;	/* as given on the command line */
	enum op_kind kind;
	int flags;		/* PAM_*_CRED for setcred */
	int in_child;		/* "fork:OP": run in a forked child on a copy of the handle, like sshd */
	const char *command;	/* "spawn:CMD": /bin/sh -c CMD, started as su starts the shell */
};

struct host_opts {
	const char *confdir;
	int no_confdir;
	const char *service;
	const char *user;	/* NULL with --no-user */
	struct host_op *ops;
	size_t n_ops;
	const char **answers;
	size_t n_answers;
	const char **set_env;
	size_t n_set_env;
	const char *rhost;	/* --rhost: PAM_RHOST on every new handle, NULL: unset */
	const char **set_item;	/* "TTY=:0", "XDISPLAY=:0", "RHOST=...", "RUSER=..." */
	size_t n_set_item;
	int silent, keep_going, conv_fail, no_conv;
	unsigned long max_prompts;	/* 0 = unlimited */
	const char *approve_as;
	int deny;
	unsigned long approve_after;
	unsigned long approve_delay_ms;
	enum approve_mode approve_mode;
	const char *cafile;
	unsigned long repeat;
	unsigned long threads;
	int verbose;
	int load_mode;		/* --repeat or --threads given: summary output */
	unsigned long fork_during;	/* --fork-during-threads K: forks while the threads run */
	unsigned long fork_interval_ms;	/* --fork-interval-ms: spacing of those forks */
	unsigned long fork_timeout;	/* --fork-timeout: seconds before a child is killed */
};

/* options.c: parse argv; returns 0, or 2 after printing a usage error, or -1 for --help. */
int host_parse_options(int argc, char **argv, struct host_opts *o);
void host_free_options(struct host_opts *o);
/* The PAM item type of a --set-item "NAME=VALUE", or -1 for a name it does not know. */
int host_item_type(const char *name_value);

/* jsonout.c: one event = one JSON object on one line of stdout, written and flushed atomically. */
struct jbuf {
	char *p;
	size_t len, cap;
	int oom;
};
void jb_init(struct jbuf *b);
void jb_free(struct jbuf *b);
void jb_raw(struct jbuf *b, const char *s);
void jb_string(struct jbuf *b, const char *s);	/* quoted, escaped; NULL -> null */
void ev_begin(struct jbuf *b, const char *ev);
void ev_str(struct jbuf *b, const char *key, const char *val);
void ev_int(struct jbuf *b, const char *key, long long val);
void ev_double(struct jbuf *b, const char *key, double val);
void ev_rawval(struct jbuf *b, const char *key, const char *json);
void ev_end(struct jbuf *b);	/* closes, prints, frees */
const char *pam_rc_name(int rc);
void ev_op(const char *op, int rc);

/* Per-transaction state (one per thread; survives the `end` op, reset per --repeat round). */
struct txn {
	const struct host_opts *o;
	int quiet;		/* load mode without --verbose: no per-transaction events */
	unsigned long call_no;	/* conversation calls */
	size_t answer_idx;
	unsigned long prompts;
	char *seen_url;		/* last approval URL seen */
	int url_done;		/* approval for seen_url done (or running in the background) */
	unsigned long prompts_since_url;
	pthread_t bg;
	int bg_running;
	char *conv_session;	/* from a "TMDB_SESSION_ID=<id>" conversation line */
	unsigned long logs;	/* captured syslog lines */
	int approve_failed;
};

/* conv.c */
int host_conv(int num_msg, const struct pam_message **msg, struct pam_response **resp,
	      void *appdata);
void txn_reset(struct txn *t, const struct host_opts *o, int quiet);
void txn_join_bg(struct txn *t);
void txn_free(struct txn *t);

/* approve.c */
char *approve_url_for(const char *url, const char *allow_user);	/* NULL user: deny */
/* GETs the approval URL (allow or deny), prints an "approve" event unless quiet; returns HTTP status or 0 */
long approve_now(const struct host_opts *o, const char *seen_url, int quiet);

/* syslog_capture.c / runner.c: the transaction running on this thread, for captured logs */
void host_set_current_txn(struct txn *t);
struct txn *host_current_txn(void);

/* runner.c */
int host_run(const struct host_opts *o);
/* One quiet transaction of the op list without browser approval, for a forked child;
 * returns 0 or the first failing PAM rc. */
int host_child_transaction(const struct host_opts *o);

/* fork_storm.c: o->fork_during forks from the calling thread while the workers run, each
 * child running host_child_transaction; prints a "fork_child" event per child and returns
 * how many did not exit with PAM_SUCCESS. busy: workers inside a transaction now; running:
 * workers not finished. */
unsigned long fork_storm(const struct host_opts *o, atomic_ulong *busy, atomic_ulong *running);

/* dl_guard.c: hold while forking (waits for every thread to leave dlopen/dlclose); release in
 * the parent; in the child call dl_guard_child instead. */
void dl_guard_hold(void);
void dl_guard_release(void);
void dl_guard_child(void);

#endif
