/* SPDX-License-Identifier: BSD-3-Clause */
/* test_journal: the session journal's record format (journal_format/journal_parse: strict,
 * every line once, in order, the access token optional), the process identity of proc_id.c
 * (this process's start time, a comm with spaces and parentheses, the boot id's shape), and
 * journal_judge's three states on records of this process, a gone one, another boot, and a
 * living parent within and past the set-up grace. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "journal.h"
#include "proc_id.h"

#define SID "0123456789abcdef0123456789abcdef01234567"
#define BOOT "01234567-89ab-cdef-0123-456789abcdef"

static char *text(const char *s)
{
	return strdup(s);
}

static void format_round_trip(void)
{
	struct journal_entry e = { 0 }, back;
	char *t;

	e.user = text("alice smith");
	e.since = 1700000000;
	memcpy(e.boot, BOOT, sizeof(e.boot));
	e.holder.pid = 4242;
	e.holder.start = 123456789ULL;
	e.parent.pid = 17;
	e.parent.start = 99;
	e.s.session_id = text(SID);
	t = journal_format(&e);
	CHECK(t != NULL && journal_parse(t, strlen(t), &back) == 0, "round trip");
	CHECK(strcmp(back.user, "alice smith") == 0 && back.since == 1700000000 && strcmp(back.boot, BOOT) == 0,
	      "user, since, boot");
	CHECK(back.holder.pid == 4242 && back.holder.start == 123456789ULL && back.parent.pid == 17 &&
		      back.parent.start == 99,
	      "holder and parent");
	CHECK(strcmp(back.s.session_id, SID) == 0 && back.s.access_token == NULL, "session, no access token");
	journal_entry_clear(&back);
	CHECK(journal_parse(t, strlen(t) - 1, &back) != 0, "truncated record refused");
	t[0] = 'P';
	CHECK(journal_parse(t, strlen(t), &back) != 0, "foreign magic refused");
	free(t);
	e.s.access_token = text("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl");
	t = journal_format(&e);
	CHECK(t != NULL && journal_parse(t, strlen(t), &back) == 0 && back.s.access_token != NULL &&
		      strcmp(back.s.access_token, e.s.access_token) == 0,
	      "v4 record keeps the access token");
	journal_entry_clear(&back);
	free(t);
	journal_entry_clear(&e);
}

#define HEAD "pam_tmdb-journal 1\nuser alice\nsince 1\nboot " BOOT "\n"

static void refusals(void)
{
	static const char *const bad[] = {
		"",
		"pam_tmdb-journal 1\n",
		HEAD "pid 1\nstart 2\nparent_pid 0\nparent_start 0\n",                       /* no session */
		HEAD "pid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id a b\n",      /* bad id */
		HEAD "pid 0\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\n", /* pid 0 */
		HEAD "pid -1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\n",
		HEAD "pid 1\nstart x\nparent_pid 0\nparent_start 0\nsession_id " SID "\n",
		HEAD "start 2\npid 1\nparent_pid 0\nparent_start 0\nsession_id " SID "\n", /* order */
		HEAD "pid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\nsession_id " SID "\n",
		"pam_tmdb-journal 1\nuser \nsince 1\nboot " BOOT "\npid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\n",
		"pam_tmdb-journal 1\nuser a\tb\nsince 1\nboot " BOOT "\npid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\n",
		"pam_tmdb-journal 1\nuser a\nsince 1\nboot not-a-boot-id\npid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\n",
		HEAD "pid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID, /* no final newline */
	};
	struct journal_entry e;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(journal_parse(bad[i], strlen(bad[i]), &e) != 0, "damaged record %zu refused", i);
	CHECK(journal_parse(HEAD "pid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\0x\n",
			    sizeof(HEAD "pid 1\nstart 2\nparent_pid 0\nparent_start 0\nsession_id " SID "\0x\n") - 1, &e) != 0,
	      "NUL byte refused");
}

static void process_identity(void)
{
	unsigned long long a = 0, b = 0;
	char boot[PROC_BOOT_ID_LEN + 1];
	pid_t child;
	int status;

	CHECK(proc_start_time(getpid(), &a) == 0 && proc_start_time(getpid(), &b) == 0 && a == b && a > 0,
	      "this process's start time, stable");
	CHECK(proc_boot_id(boot) == 0 && proc_is_boot_id(boot), "boot id");
	CHECK(!proc_is_boot_id("01234567-89AB-cdef-0123-456789abcdef") && !proc_is_boot_id("x"), "boot id shape");
	/* a child whose comm holds ") 1 2 (" must not shift the fields */
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "a) 9 9 (b", 0, 0, 0);
		pause();
		_exit(0);
	}
	usleep(100000);
	a = 0;
	CHECK(proc_start_time(child, &a) == 0 && a >= b, "start time past a hostile comm");
	kill(child, 9);
	waitpid(child, &status, 0);
	CHECK(proc_start_time(child, &a) != 0, "a reaped child has no start time");
}

static void judge(void)
{
	struct journal j = { -1, "" };
	struct journal_entry e = { 0 };
	pid_t gone = fork();
	int status;
	time_t now = time(NULL);

	if (gone == 0)
		_exit(0);
	waitpid(gone, &status, 0);
	proc_boot_id(j.boot);
	memcpy(e.boot, j.boot, sizeof(e.boot));
	e.since = now;
	e.holder.pid = getpid();
	proc_start_time(getpid(), &e.holder.start);
	CHECK(journal_judge(&j, &e, now) == JOURNAL_ALIVE, "this process: alive");
	e.holder.start++;
	CHECK(journal_judge(&j, &e, now) == JOURNAL_ORPHAN, "same pid, another start: orphan");
	e.holder.start--;
	memcpy(e.boot, BOOT, sizeof(e.boot));
	CHECK(journal_judge(&j, &e, now) == JOURNAL_ORPHAN, "another boot: orphan");
	memcpy(e.boot, j.boot, sizeof(e.boot));
	e.holder.pid = gone;
	CHECK(journal_judge(&j, &e, now) == JOURNAL_ORPHAN, "gone: orphan");
	e.parent.pid = getpid();
	proc_start_time(getpid(), &e.parent.start);
	CHECK(journal_judge(&j, &e, now) == JOURNAL_SETTING_UP, "gone, parent alive: being set up");
	CHECK(journal_judge(&j, &e, now + JOURNAL_SETUP_GRACE) == JOURNAL_ORPHAN, "past the grace: orphan");
	CHECK(journal_judge(&j, &e, now - 1) == JOURNAL_ORPHAN, "written in the future: no grace");
}

int main(void)
{
	format_round_trip();
	refusals();
	process_identity();
	judge();
	CHECK_DONE();
}
