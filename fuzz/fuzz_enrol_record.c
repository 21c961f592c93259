/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_enrol_record.c — the enrolment record (module/enrol_record.h).
 *
 * The input is both a record's text and a TMDb username. Checked: a text the parser takes is
 * exactly what the writer makes of what it read (nothing is ever reinterpreted), with at most
 * ENROL_MAX_ACCOUNTS distinct positive ids; and any username, added to any record the parser
 * took, adds at most one line, keeps every other line, and parses back with its id. */
#include "config.h"

#include "enrol_record.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[ENROL_RECORD_MAX_BYTES + 1], again[ENROL_RECORD_MAX_BYTES + 1];
	struct enrol_record r, back;
	char *copy = fuzz_copy(data, size);
	size_t n;
	int rc = enrol_record_parse(copy, size, &r);

	if (rc != 0) {
		FUZZ_CHECK(r.n == 0, "a refused text left %zu accounts", r.n);
		memset(&r, 0, sizeof(r));
	} else {
		FUZZ_CHECK(r.n <= ENROL_MAX_ACCOUNTS, "%zu accounts", r.n);
		n = enrol_record_format(&r, text, sizeof(text));
		FUZZ_CHECK(n == size && memcmp(text, copy, size) == 0, "the text is not what the writer makes of it");
		for (size_t i = 0; i < r.n; i++)
			FUZZ_CHECK(r.a[i].id > 0, "id %lld", r.a[i].id);
	}
	n = enrol_record_format(&r, text, sizeof(text));
	rc = enrol_record_add(&r, 4242424242LL, copy, size);
	if (rc == 0) {
		size_t m = enrol_record_format(&r, again, sizeof(again));
		FUZZ_CHECK(m > n && memcmp(again, text, n) == 0, "the other lines changed");
		FUZZ_CHECK(memchr(again + n, '\n', m - n) == again + m - 1, "more than one line added");
		FUZZ_CHECK(enrol_record_parse(again, m, &back) == 0 && back.n == r.n &&
			   back.a[back.n - 1].id == 4242424242LL, "the new record does not parse back");
	}
	free(copy);
	return 0;
}
