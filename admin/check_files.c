/* SPDX-License-Identifier: BSD-3-Clause */
/* check_files.c — the directories the module uses (cache_dir, state_dir and its sessions/) and the setgid
 * helper, under the rules the module and the helper apply to them (cache.c, journal.c,
 * pam_tmdb(8) "The helper"). The config, key file and user map are checked where they are
 * read (check_config.c, check_user_map.c). */
#include "config.h"
#include "check.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A directory the module opens with O_NOFOLLOW, owned by root (or the effective user), with
 * none of the bits in forbidden. */
static void check_dir(struct check *c, const char *dir, const char *key, mode_t forbidden, const char *forbidden_fix,
		      const char *consequence)
{
	struct stat st;
	char fix[PATH_MAX + 64];

	if (lstat(dir, &st) != 0) {
		snprintf(fix, sizeof(fix), "mkdir -m 0700 %s", dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, key, fix, "%s: %s", errno == ENOENT ? "does not exist" : strerror(errno),
			  consequence);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		check_add(c, CHECK_WARNING, "files", dir, 0, key, "make it a real directory (symlinks are refused)",
			  "is not a directory (or is a symlink): %s", consequence);
		return;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(fix, sizeof(fix), "chown root %s", dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, key, fix, "owned by uid %u, not root: %s", (unsigned)st.st_uid,
			  consequence);
	}
	if ((st.st_mode & forbidden) != 0) {
		snprintf(fix, sizeof(fix), "chmod %s %s", forbidden_fix, dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, key, fix, "mode %04o is too open: %s", (unsigned)(st.st_mode & 07777),
			  consequence);
	}
}

/* The user-run services that use the module, for the message. */
static void user_run_services(const struct check *c, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < c->r.n_services && o + 2 < len; i++) {
		const struct check_service *s = &c->r.services[i];
		bool seen = false;
		if (!s->user_run)
			continue;
		for (size_t k = 0; k < i; k++)
			seen |= strcmp(c->r.services[k].name, s->name) == 0;
		if (!seen)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "", s->name);
	}
}

static void check_helper(struct check *c)
{
	struct stat st;
	char users[512], fix[PATH_MAX + 160];
	const char *problem = NULL;
	enum check_severity sev;

	user_run_services(c, users, sizeof(users));
	/* without a user-run host, the helper is only worth knowing about */
	sev = users[0] ? CHECK_WARNING : CHECK_NOTE;
	if (!c->helper_given && c->helper_conf != NULL) {
		if (strcmp(c->helper_conf, "no") == 0) {
			check_add(c, sev, "files", NULL, 0, "helper", users[0] ? "remove \"helper = no\"" : NULL,
				  "the helper is off (helper = no)%s%s%s", users[0] ? ": " : "", users,
				  users[0] ? " run as the user and cannot read the key" : "");
			return;
		}
		c->helper = c->helper_conf;
	}
	if (lstat(c->helper, &st) != 0) {
		snprintf(fix, sizeof(fix), "install pam_tmdb_helper at %s (owner root, the group of the key file, mode 2755)",
			 c->helper);
		check_add(c, sev, "files", c->helper, 0, "helper", fix, "the helper is missing%s%s%s", users[0] ? ": " : "",
			  users, users[0] ? " run as the user and cannot read the key without it" : "");
		return;
	}
	if (!S_ISREG(st.st_mode))
		problem = "is not a regular file (or is a symlink)";
	else if (st.st_uid != 0)
		problem = "is not owned by root";
	else if ((st.st_mode & S_ISGID) == 0)
		problem = "has no setgid bit: it cannot read the key file on the user's behalf";
	else if (st.st_gid == 0)
		problem = "is setgid to the root group: give it a group of its own (e.g. pam_tmdb)";
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		problem = "is writable by group or others";
	if (problem != NULL) {
		snprintf(fix, sizeof(fix), "chown root:pam_tmdb %s; chmod 2755 %s", c->helper, c->helper);
		check_add(c, sev, "files", c->helper, 0, "helper", fix, "the helper %s%s%s", problem, users[0] ? "; used by " : "",
			  users);
	}
}

/* self_enroll, and with it the records' directory {state_dir}/accounts (enrol_store.h): made
 * like sessions/, root's with the state_dir's group (the helper never creates it). */
static void check_enrolment(struct check *c)
{
	char dir[PATH_MAX], fix[2 * PATH_MAX + 64];
	struct stat st, sd;

	if (!c->o.self_enroll) {
		check_add(c, CHECK_NOTE, "files", NULL, 0, "self_enroll", NULL,
			  "self_enroll = no: users cannot bind their own TMDb account (tmdb-login --enroll)");
		return;
	}
	if (c->o.state_dir == NULL) {
		check_add(c, CHECK_WARNING, "files", NULL, 0, "self_enroll", "set state_dir to a directory (default /var/lib/pam_tmdb)",
			  "self_enroll = yes but state_dir = none: there is nowhere to keep the enrolments");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/accounts", strcmp(c->o.state_dir, "/") == 0 ? "" : c->o.state_dir);
	if (lstat(c->o.state_dir, &sd) != 0)
		return; /* said above */
	if (lstat(dir, &st) != 0) {
		snprintf(fix, sizeof(fix), "install -d -o root -g %u -m %04o %s", (unsigned)sd.st_gid,
			 (unsigned)(sd.st_mode & 0770), dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, "self_enroll", fix,
			  "%s: root's first enrolment creates it, but a user's enrolment through the helper cannot",
			  errno == ENOENT ? "does not exist" : strerror(errno));
		return;
	}
	check_add(c, CHECK_NOTE, "files", dir, 0, "self_enroll", NULL,
		  "self_enroll = yes: users may bind their own TMDb account; records in %s (owner uid %u, group %u, "
		  "mode %04o)", dir, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777));
	check_dir(c, dir, "self_enroll", S_IRWXO, "o-rwx", "enrolment records are not used");
	if (S_ISDIR(st.st_mode) && st.st_uid != sd.st_uid) {
		snprintf(fix, sizeof(fix), "chown %u %s", (unsigned)sd.st_uid, dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, "self_enroll", fix,
			  "not owned by the state_dir's owner: enrolment records are not used");
	} else if (S_ISDIR(st.st_mode) && (st.st_gid != sd.st_gid || (st.st_mode & 0070) != (sd.st_mode & 0070))) {
		snprintf(fix, sizeof(fix), "chgrp %u %s; chmod %04o %s", (unsigned)sd.st_gid, dir, (unsigned)(sd.st_mode & 0770), dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, "self_enroll", fix,
			  "its group or group bits differ from the state_dir's: users who enrol through the helper may be refused");
	}
}

/* {state_dir}/sessions, when it exists (the module makes it): journal.c takes it only when it
 * is a real directory owned like the state_dir, with no bits for others; the helper writes in
 * it only when it has the state_dir's group. */
static void check_journal_dir(struct check *c, const char *state_dir)
{
	const char *why = "the sessions of logins that die are not recorded, nor deleted later";
	struct stat top, st;
	char dir[PATH_MAX], fix[2 * PATH_MAX + 64];

	if (lstat(state_dir, &top) != 0 || !S_ISDIR(top.st_mode) ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/sessions", state_dir) >= sizeof(dir) || lstat(dir, &st) != 0)
		return; /* state_dir's own problem (said above), or not made yet */
	if (!S_ISDIR(st.st_mode)) {
		snprintf(fix, sizeof(fix), "rm %s (the module makes the directory)", dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, "state_dir", fix, "is not a directory (or is a symlink): %s",
			  why);
		return;
	}
	if (st.st_uid != top.st_uid) {
		snprintf(fix, sizeof(fix), "chown %u %s", (unsigned)top.st_uid, dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, "state_dir", fix,
			  "owned by uid %u, not by the state_dir's owner (uid %u): %s", (unsigned)st.st_uid,
			  (unsigned)top.st_uid, why);
	}
	if ((st.st_mode & S_IRWXO) != 0) {
		snprintf(fix, sizeof(fix), "chmod o-rwx %s", dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, "state_dir", fix, "mode %04o is too open: %s",
			  (unsigned)(st.st_mode & 07777), why);
	}
	if (top.st_gid != 0 && (st.st_gid != top.st_gid || (st.st_mode & S_IRWXG) != (top.st_mode & S_IRWXG))) {
		snprintf(fix, sizeof(fix), "chgrp %u %s; chmod g=%s%s%s %s", (unsigned)top.st_gid, dir,
			 top.st_mode & S_IRGRP ? "r" : "", top.st_mode & S_IWGRP ? "w" : "", top.st_mode & S_IXGRP ? "x" : "",
			 dir);
		check_add(c, CHECK_WARNING, "files", dir, 0, "state_dir", fix,
			  "group %u mode %04o, not the state_dir's (group %u mode %04o): pam_tmdb_helper cannot record "
			  "the sessions of hosts that run as an ordinary user", (unsigned)st.st_gid,
			  (unsigned)(st.st_mode & 07777), (unsigned)top.st_gid, (unsigned)(top.st_mode & 07777));
	}
}

void check_files(struct check *c)
{
	if (c->o.cache_dir != NULL && c->o.reuse_session)
		check_dir(c, c->o.cache_dir, "cache_dir", S_IWGRP | S_IWOTH, "go-w",
			  "sessions are not remembered (reuse_session)");
	if (c->o.state_dir != NULL)
		check_dir(c, c->o.state_dir, "state_dir", S_IRWXO, "o-rwx",
			  "the sessions of logins that die are not recorded, nor deleted later");
	if (c->o.state_dir != NULL)
		check_journal_dir(c, c->o.state_dir);
	check_enrolment(c);
	check_helper(c);
}
