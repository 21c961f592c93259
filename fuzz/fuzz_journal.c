/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_journal.c — a session journal record's bytes (the disk may have damaged it, or a
 * process of the helper's group written it) through journal_parse.
 *
 * Checked: a parsed record has a user of 1..256 bytes without control characters, a boot id
 * of the kernel's shape, a holder pid > 0, a session id of [A-Za-z0-9_-]{1,128}; a refused
 * input leaves the entry empty; round trip: journal_format of a parsed record parses again to
 * the same values, and formats to the same bytes again (a fixed point). */
#include "config.h"

#include "journal.h"
#include "wipe.h"
#include "fuzz_util.h"

static void check_entry(const struct journal_entry *e)
{
	FUZZ_CHECK(e->user != NULL && e->user[0] != '\0' && strlen(e->user) <= 256 && fuzz_no_ctl(e->user), "user");
	FUZZ_CHECK(proc_is_boot_id(e->boot), "boot");
	FUZZ_CHECK(e->holder.pid > 0 && e->parent.pid >= 0, "pids");
	FUZZ_CHECK(e->s.session_id != NULL && fuzz_is_session_id(e->s.session_id), "session_id");
}

static void check_same(const struct journal_entry *a, const struct journal_entry *b)
{
	FUZZ_CHECK(strcmp(a->user, b->user) == 0 && a->since == b->since && strcmp(a->boot, b->boot) == 0, "head changed");
	FUZZ_CHECK(a->holder.pid == b->holder.pid && a->holder.start == b->holder.start &&
			   a->parent.pid == b->parent.pid && a->parent.start == b->parent.start,
		   "processes changed");
	FUZZ_CHECK(strcmp(a->s.session_id, b->s.session_id) == 0, "session_id changed");
	FUZZ_CHECK((a->s.access_token == NULL && b->s.access_token == NULL) ||
			   (a->s.access_token != NULL && b->s.access_token != NULL &&
			    strcmp(a->s.access_token, b->s.access_token) == 0),
		   "access_token changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	struct journal_entry e, e2;
	char *text, *text2;

	memset(&e, 0x55, sizeof(e));
	if (journal_parse(buf, size, &e) != 0) {
		FUZZ_CHECK(e.user == NULL && e.s.session_id == NULL && e.s.access_token == NULL && e.holder.pid == 0,
			   "refused record not cleared");
		free(buf);
		return 0;
	}
	check_entry(&e);
	text = journal_format(&e);
	FUZZ_CHECK(text != NULL && strlen(text) <= size, "formatted record longer than the input");
	FUZZ_CHECK(journal_parse(text, strlen(text), &e2) == 0, "formatted record does not parse:\n%s", text);
	check_same(&e, &e2);
	text2 = journal_format(&e2);
	FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0, "journal_format not a fixed point");
	wipe_free_str(text2);
	wipe_free_str(text);
	journal_entry_clear(&e2);
	journal_entry_clear(&e);
	free(buf);
	return 0;
}
