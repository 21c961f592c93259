/* SPDX-License-Identifier: BSD-3-Clause */
/* enrol_record.h — the text of one user's enrolment record, {state_dir}/accounts/{user}
 * (pam_tmdb(8) "SELF-SERVICE ENROLMENT"): one line per TMDb account,
 *
 *     #<account id> <escaped username>\n
 *
 * The record binds by account id alone; the name is only shown. Whatever TMDb calls the
 * account is escaped (every byte outside printable ASCII, and '\', '#' and space, become
 * \xHH) and cut to ENROL_NAME_KEPT bytes, so that no username (a newline, '#', spaces,
 * control characters, 10,000 bytes) can add a line, change another one or break the file:
 * the Himmelblau GHSA-x259-23ph-65m5 class of bug. The parser is strict: a record that is not
 * exactly what enrol_record_format writes is damaged as a whole. A leaf of the base layer. */
#ifndef PAM_TMDB_ENROL_RECORD_H
#define PAM_TMDB_ENROL_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#define ENROL_MAX_ACCOUNTS 8
#define ENROL_NAME_KEPT 64                       /* bytes of a username kept (then "...") */
#define ENROL_NAME_MAX (4 * ENROL_NAME_KEPT + 3) /* its escaped form */
#define ENROL_ID_DIGITS 18
#define ENROL_LINE_MAX (2 + ENROL_ID_DIGITS + 1 + ENROL_NAME_MAX + 1)
#define ENROL_RECORD_MAX_BYTES (ENROL_MAX_ACCOUNTS * ENROL_LINE_MAX)
#define ENROL_USER_MAX 128                       /* a user name used as a file name */

/* The PAM environment variable through which tmdb-login asks a service whose pam_tmdb line
 * has the argument "enroll" for one of these actions (enrol.h). */
#define TMDB_ENROLL_ENV "TMDB_ENROLL"
#define ENROL_ACTION_ENROL "enroll"
#define ENROL_ACTION_UNENROL "unenroll"
#define ENROL_ACTION_SHOW "show"

struct enrol_account {
	long long id;                      /* > 0 */
	char name[ENROL_NAME_MAX + 1];     /* escaped: printable ASCII without spaces */
};

struct enrol_record {
	size_t n;
	struct enrol_account a[ENROL_MAX_ACCOUNTS];
};

/* The escaped, shortened form of a username as TMDb gave it (len bytes, NULs included). */
void enrol_escape_name(const char *raw, size_t len, char out[ENROL_NAME_MAX + 1]);

/* 0 with *r filled, or -1 (damaged: any byte out of place, a duplicate id, more than
 * ENROL_MAX_ACCOUNTS lines, more than ENROL_RECORD_MAX_BYTES). An empty text is a record of
 * no accounts. */
int enrol_record_parse(const char *text, size_t len, struct enrol_record *r);

/* Writes the record's text into out (cap bytes, ENROL_RECORD_MAX_BYTES + 1 is always enough);
 * returns its length, NUL not counted. */
size_t enrol_record_format(const struct enrol_record *r, char *out, size_t cap);

bool enrol_record_has(const struct enrol_record *r, long long id);

/* Adds the account: 0 added, 1 already there (nothing changed), -1 full (ENROL_MAX_ACCOUNTS)
 * or a bad id. */
int enrol_record_add(struct enrol_record *r, long long id, const char *raw_name, size_t name_len);

/* May user name a file in the accounts directory? 1 to ENROL_USER_MAX bytes of printable
 * ASCII without '/' or spaces, not starting with '.'. Hostile PAM user names ("../x",
 * ".hidden", very long ones) never leave the directory nor hide in it. */
bool enrol_user_name_ok(const char *user);

#endif
