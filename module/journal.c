/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "record.h"
#include "safe_file.h"
#include "tmdb_api.h"
#include "tmdb_v4.h"
#include "wipe.h"

#define MAX_USER 256

void journal_entry_clear(struct journal_entry *e)
{
	free(e->user);
	session_clear(&e->s);
	memset(e, 0, sizeof(*e));
}

char *journal_format(const struct journal_entry *e)
{
	size_t n = 512 + strlen(e->user) + strlen(e->s.session_id) +
		   (e->s.access_token != NULL ? strlen(e->s.access_token) : 0);
	char *buf = malloc(n);
	int len;
	if (buf == NULL)
		return NULL;
	len = snprintf(buf, n,
		       JOURNAL_MAGIC "\nuser %s\nsince %lld\nboot %s\npid %ld\nstart %llu\nparent_pid %ld\n"
		       "parent_start %llu\nsession_id %s\n",
		       e->user, e->since, e->boot, (long)e->holder.pid, e->holder.start, (long)e->parent.pid,
		       e->parent.start, e->s.session_id);
	if (e->s.access_token != NULL)
		snprintf(buf + len, n - (size_t)len, "access_token %s\n", e->s.access_token);
	return buf;
}

static bool number(const char *v, long long max, long long *out)
{
	char *end = NULL;
	if (v[0] < '0' || v[0] > '9')
		return false;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

static bool unumber(const char *v, unsigned long long *out)
{
	char *end = NULL;
	if (v[0] < '0' || v[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno == 0 && *end == '\0';
}

enum { F_USER, F_SINCE, F_BOOT, F_PID, F_START, F_PPID, F_PSTART, F_SID, F_TOKEN, F_N };

/* Strict: the magic line, then the lines of the format in order, the last one optional. */
int journal_parse(const char *buf, size_t len, struct journal_entry *e)
{
	static const char *const keys[F_N] = { "user ", "since ", "boot ", "pid ", "start ", "parent_pid ",
					       "parent_start ", "session_id ", "access_token " };
	char *copy, *v[F_N] = { NULL };
	const char *magic;
	long long pid, ppid;
	int rc = -1, i;

	memset(e, 0, sizeof(*e));
	copy = record_split(buf, len, JOURNAL_MAX_BYTES, keys, F_N, &magic, v, &i);
	if (copy == NULL)
		return -1;
	if (strcmp(magic, JOURNAL_MAGIC) != 0)
		goto out;
	if (i < F_TOKEN || !tmdb_is_session_id(v[F_SID]) || (v[F_TOKEN] != NULL && !tmdb_v4_is_token(v[F_TOKEN])))
		goto out;
	if (v[F_USER][0] == '\0' || strlen(v[F_USER]) > MAX_USER || !proc_is_boot_id(v[F_BOOT]) ||
	    !record_printable(v[F_USER]))
		goto out;
	if (!number(v[F_SINCE], (long long)1 << 40, &e->since) || !number(v[F_PID], 1 << 30, &pid) || pid == 0 ||
	    !number(v[F_PPID], 1 << 30, &ppid) || !unumber(v[F_START], &e->holder.start) ||
	    !unumber(v[F_PSTART], &e->parent.start))
		goto out;
	e->holder.pid = (pid_t)pid;
	e->parent.pid = (pid_t)ppid;
	memcpy(e->boot, v[F_BOOT], sizeof(e->boot));
	e->user = strdup(v[F_USER]);
	e->s.session_id = strdup(v[F_SID]);
	if (v[F_TOKEN] != NULL)
		e->s.access_token = strdup(v[F_TOKEN]);
	if (e->user == NULL || e->s.session_id == NULL || (v[F_TOKEN] != NULL && e->s.access_token == NULL)) {
		journal_entry_clear(e);
		goto out;
	}
	rc = 0;
out:
	wipe_free(copy, len + 1);
	return rc;
}

/* state_dir and its subdirectory: owned by root or the effective user (the helper's entries
 * are its user's), no permission bits for others; the group may be the helper's */
static const char *dir_problem(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return "cannot stat";
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return "owned by another user (must be root)";
	if ((st.st_mode & S_IRWXO) != 0)
		return "accessible by others (no permission bits for others allowed)";
	return NULL;
}

/* The subdirectory is the state_dir owner's: a user's directory in root's state_dir is not
 * the journal (nor the enrolment records). */
static const char *same_owner(int parent, int sub)
{
	struct stat p, d;
	if (fstat(parent, &p) != 0 || fstat(sub, &d) != 0 || p.st_uid != d.st_uid)
		return "its subdirectory is not owned by the state_dir's owner";
	return NULL;
}

static int open_subdir(int parent, const char *sub)
{
	struct stat st;
	int fd = openat(parent, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	/* only the state_dir's owner creates it: the helper (not root) never makes a directory
	 * of its own in root's state_dir */
	if (fstat(parent, &st) != 0 || st.st_uid != geteuid())
		return -1;
	if (mkdirat(parent, sub, 0700) != 0 && errno != EEXIST)
		return -1;
	fd = openat(parent, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* the state_dir's group (the helper's) and its owner and group bits */
	if (fd >= 0 && fstat(parent, &st) == 0) {
		if (fchown(fd, (uid_t)-1, st.st_gid) != 0 || fchmod(fd, st.st_mode & 0770) != 0) {
			/* kept 0700: the helper will not be able to use it, root still can */
		}
	}
	return fd;
}

int state_subdir_open(const char *state_dir, const char *sub, const char **why)
{
	int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd = -1;

	if (dfd < 0) {
		*why = errno == ENOENT ? "does not exist" : errno == ELOOP || errno == ENOTDIR ? "is not a directory (or is a symlink)" : "cannot open";
		return -1;
	}
	*why = dir_problem(dfd);
	if (*why == NULL) {
		fd = open_subdir(dfd, sub);
		if (fd < 0)
			*why = "cannot open or create its subdirectory";
		else if ((*why = dir_problem(fd)) != NULL || (*why = same_owner(dfd, fd)) != NULL) {
			close(fd);
			fd = -1;
		}
	}
	close(dfd);
	return fd;
}

int journal_open(pam_handle_t *pamh, const char *state_dir, struct journal *j)
{
	const char *why = NULL;

	j->dfd = -1;
	if (state_dir == NULL)
		return -1;
	if (proc_boot_id(j->boot) != 0) {
		pam_syslog(pamh, LOG_WARNING, "session journal not used: the boot id cannot be read");
		return -1;
	}
	j->dfd = state_subdir_open(state_dir, JOURNAL_SUBDIR, &why);
	if (j->dfd < 0) {
		pam_syslog(pamh, LOG_WARNING, "state_dir %s not used (no session journal): %s", state_dir, why);
		return -1;
	}
	return 0;
}

void journal_close(struct journal *j)
{
	if (j->dfd >= 0)
		close(j->dfd);
	j->dfd = -1;
}

static int self_id(struct proc_id *id)
{
	id->pid = getpid();
	return proc_start_time(id->pid, &id->start);
}

static int write_entry(struct journal *j, pam_handle_t *pamh, const char *name, const struct journal_entry *e,
		       bool durable)
{
	const char *why = "out of memory";
	char *text = journal_format(e);
	int rc = text != NULL ? safe_write_fileat(j->dfd, name, text, strlen(text), durable, &why) : -ENOMEM;
	if (rc != 0)
		pam_syslog(pamh, LOG_WARNING, "session journal: cannot write a record: %s", why);
	wipe_free_str(text);
	return rc == 0 ? 0 : -1;
}

/* The record name for holder (journal.h). */
static void make_name(const struct journal *j, const struct proc_id *holder, char *name)
{
	char rnd[9];
	safe_random_name(rnd, sizeof(rnd));
	snprintf(name, JOURNAL_NAME_LEN, "r-%.8s-%ld-%llu-%s", j->boot, (long)holder->pid, holder->start, rnd);
}

/* Fills and writes e (holder and parent set by the caller). */
static int add_entry(struct journal *j, pam_handle_t *pamh, const char *user, const struct tmdb_session *s,
		     struct journal_entry *e, bool durable, char *name)
{
	int rc;

	e->since = (long long)time(NULL);
	memcpy(e->boot, j->boot, sizeof(e->boot));
	e->user = (char *)(uintptr_t)user;
	e->s.session_id = s->session_id;
	e->s.access_token = s->access_token;
	make_name(j, &e->holder, name);
	rc = write_entry(j, pamh, name, e, durable);
	if (rc != 0)
		name[0] = '\0';
	return rc;
}

int journal_add_held(struct journal *j, pam_handle_t *pamh, const char *user, const struct tmdb_session *s,
		     const struct proc_id *holder, char *name)
{
	struct journal_entry e = { 0 };

	e.holder = *holder; /* claimed at once: no parent */
	return add_entry(j, pamh, user, s, &e, true, name);
}

int journal_add(struct journal *j, pam_handle_t *pamh, const char *user, const struct tmdb_session *s, char *name)
{
	struct journal_entry e = { 0 };

	if (self_id(&e.holder) != 0) {
		pam_syslog(pamh, LOG_WARNING, "session journal: cannot read this process's start time");
		return -1;
	}
	/* the parent may take the login over (sshd's monitor); a parent we cannot name is none */
	e.parent.pid = getppid();
	if (e.parent.pid <= 1 || proc_start_time(e.parent.pid, &e.parent.start) != 0)
		e.parent.pid = 0, e.parent.start = 0;
	/* not durable: a credential request removes it at pam_end; the claim of a login that
	 * opens its session writes it durably */
	return add_entry(j, pamh, user, s, &e, false, name);
}

/* A record that cannot be trusted is set aside under a name no walk reads again. */
static void set_aside(struct journal *j, pam_handle_t *pamh, const char *name, const char *why)
{
	char aside[NAME_MAX + 16];
	pam_syslog(pamh, LOG_WARNING, "session journal: record %s ignored and set aside: %s", name, why);
	snprintf(aside, sizeof(aside), ".damaged-%s", name);
	if (renameat(j->dfd, name, j->dfd, aside) != 0)
		pam_syslog(pamh, LOG_WARNING, "session journal: cannot set record %s aside", name);
}

static bool plain_name(const char *name)
{
	size_t n = strlen(name);
	if (n < 3 || n >= JOURNAL_NAME_LEN || strncmp(name, "r-", 2) != 0)
		return false;
	for (size_t i = 2; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

/* The last process looked up in /proc during one walk: a long-lived host holds many logins. */
struct proc_cache {
	pid_t pid;
	int rc;
	unsigned long long start;
};

/* Does the record's name name a process that runs on this boot? */
static bool name_alive(const struct journal *j, const char *name, struct proc_cache *c)
{
	char boot[9];
	long pid;
	unsigned long long start;
	int used = 0;

	if (sscanf(name, "r-%8[0-9a-f]-%ld-%llu-%*[a-z0-9]%n", boot, &pid, &start, &used) != 3 ||
	    name[used] != '\0' || strncmp(boot, j->boot, 8) != 0 || pid <= 0 || pid > (1L << 30))
		return false;
	if (c->pid != (pid_t)pid) {
		c->pid = (pid_t)pid;
		c->rc = proc_start_time(c->pid, &c->start);
	}
	return c->rc == 0 && c->start == start;
}

/* A record the setgid helper wrote for its caller (pam_tmdb_helper(8)): owned by that user,
 * with the group of the journal's directory (the helper's, never root's), mode 0600, one
 * link. Root's readers take it only when the user it names is its owner
 * (owned_by_its_user), so a user's records can only ever end that user's own logins. */
static const char *helper_record_problem(const struct journal *j, const struct stat *st)
{
	struct stat d;
	if (fstat(j->dfd, &d) != 0 || d.st_uid != 0 || d.st_gid == 0 || st->st_gid != d.st_gid)
		return "owned by another user (must be root, or its user with the helper's group)";
	if ((st->st_mode & 07777) != 0600)
		return "accessible by group or others (must be mode 0600)";
	if (st->st_nlink != 1)
		return "has other hard links";
	return NULL;
}

static bool owned_by_its_user(const struct journal_entry *e, uid_t owner)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	return getpwnam_r(e->user, &pw, buf, sizeof(buf), &res) == 0 && res != NULL && pw.pw_uid == owner;
}

/* The record's bytes: root's or the effective user's under safe_read_fd's rules (*owner 0),
 * or the helper's (helper_record_problem; *owner its uid, which must be the uid of the user
 * the record names). 0, or -1 with why. */
static int read_record(const struct journal *j, int fd, char **buf, size_t *len, uid_t *owner, const char **why)
{
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) != 0) {
		*why = "cannot stat";
		return -1;
	}
	*owner = st.st_uid;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -1;
	}
	/* root's (or, in a state_dir of a user's own, that user's) under safe_read_fd's rules;
	 * in the helper safe_read_fd takes root's files only, so its own records come below */
	if (st.st_uid == 0 || (st.st_uid == geteuid() && helper_record_problem(j, &st) != NULL)) {
		*owner = 0; /* nothing more to check */
		return safe_read_fd(fd, JOURNAL_MAX_BYTES, true, buf, len, why) == 0 ? 0 : -1;
	}
	if ((*why = helper_record_problem(j, &st)) != NULL)
		return -1;
	*buf = malloc(JOURNAL_MAX_BYTES + 1);
	if (*buf == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, *buf + got, JOURNAL_MAX_BYTES + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (got += (size_t)(n > 0 ? n : 0)) > JOURNAL_MAX_BYTES) {
			wipe_free(*buf, JOURNAL_MAX_BYTES + 1);
			*buf = NULL;
			*why = n < 0 ? "read error" : "too large";
			return -1;
		}
		if (n == 0)
			break;
	}
	*len = got;
	return 0;
}

/* Opens and reads one record; fd (when not NULL) keeps the descriptor open. 0, 1 (gone),
 * -1 (damaged: logged and set aside). */
static int read_entry(struct journal *j, pam_handle_t *pamh, const char *name, struct journal_entry *e, int *fd_out)
{
	const char *why = NULL;
	char *buf = NULL;
	size_t len = 0;
	uid_t owner = 0;
	int fd, rc;

	if (!plain_name(name)) {
		set_aside(j, pamh, name, "not a record's name");
		return -1;
	}
	fd = openat(j->dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno == EACCES && geteuid() != 0)
			return 1; /* the helper: another user's record, not its to read */
		set_aside(j, pamh, name, errno == ELOOP ? "is a symbolic link" : "cannot be opened");
		return -1;
	}
	/* type, owner and mode are checked on this descriptor: the file read is the one held */
	rc = read_record(j, fd, &buf, &len, &owner, &why);
	if (rc != 0) {
		close(fd);
		set_aside(j, pamh, name, why);
		return -1;
	}
	rc = journal_parse(buf, len, e);
	wipe_free(buf, len);
	if (rc != 0) {
		close(fd);
		set_aside(j, pamh, name, "damaged");
		return -1;
	}
	if (owner != 0 && !owned_by_its_user(e, owner)) {
		journal_entry_clear(e);
		close(fd);
		set_aside(j, pamh, name, "owned by a user other than the one it names");
		return -1;
	}
	if (fd_out != NULL)
		*fd_out = fd;
	else
		close(fd);
	return 0;
}

/* Does name still hold the inode fd has open? */
static bool same_file(struct journal *j, const char *name, int fd)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && fstatat(j->dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

static int lock_entry(struct journal *j, pam_handle_t *pamh, const char *name, struct journal_entry *e, int *fd,
		      bool wait)
{
	for (int tries = 0; tries < 8; tries++) {
		int rc = read_entry(j, pamh, name, e, fd);
		if (rc != 0)
			return rc;
		if (flock(*fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
			close(*fd);
			journal_entry_clear(e);
			if (!wait || errno != EINTR)
				return 1;
			continue;
		}
		/* read before the lock: the name may have been replaced (claimed) or removed since */
		if (same_file(j, name, *fd))
			return 0;
		close(*fd);
		journal_entry_clear(e);
		if (!wait)
			return 1;
	}
	return 1;
}

int journal_lock(struct journal *j, pam_handle_t *pamh, const char *name, struct journal_entry *e, int *lock_fd)
{
	return lock_entry(j, pamh, name, e, lock_fd, false);
}

void journal_unlock(struct journal *j, const char *name, int lock_fd, bool drop)
{
	if (drop)
		unlinkat(j->dfd, name, 0);
	close(lock_fd);
}

int journal_walk(struct journal *j, pam_handle_t *pamh, bool skip_alive, journal_visit visit, void *ctx)
{
	struct proc_cache cache = { 0, -1, 0 };
	int fd = dup(j->dfd), stop = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while (stop == 0 && (de = readdir(d)) != NULL) {
		struct journal_entry e;
		if (de->d_name[0] == '.')
			continue; /* ".", "..", temporary files, records set aside */
		if (skip_alive && name_alive(j, de->d_name, &cache))
			continue;
		if (read_entry(j, pamh, de->d_name, &e, NULL) != 0)
			continue;
		stop = visit(ctx, de->d_name, &e);
		journal_entry_clear(&e);
	}
	closedir(d);
	return 0;
}

struct find_ctx {
	const char *session_id;
	char *name;
};

static int find_visit(void *ctx, const char *name, const struct journal_entry *e)
{
	struct find_ctx *f = ctx;
	if (strcmp(e->s.session_id, f->session_id) != 0)
		return 0;
	snprintf(f->name, JOURNAL_NAME_LEN, "%s", name);
	return 1;
}

static int find_record(struct journal *j, pam_handle_t *pamh, const char *session_id, char *name)
{
	struct find_ctx f = { session_id, name };
	name[0] = '\0';
	journal_walk(j, pamh, false, find_visit, &f);
	return name[0] != '\0' ? 0 : -1;
}

int journal_claim(struct journal *j, pam_handle_t *pamh, const char *session_id, char *name)
{
	struct journal_entry e;
	struct proc_id self;
	char claimed[JOURNAL_NAME_LEN];
	int fd = -1, rc;

	if (name[0] == '\0' && find_record(j, pamh, session_id, name) != 0)
		return -1;
	if (self_id(&self) != 0)
		return -1;
	/* waits for a reaper that holds the record: it revokes or lets go within one request */
	rc = lock_entry(j, pamh, name, &e, &fd, true);
	if (rc != 0)
		return -1;
	rc = 0;
	if (strcmp(e.s.session_id, session_id) != 0) {
		rc = -1;
	} else if (e.holder.pid != self.pid || e.holder.start != self.start || e.parent.pid != 0 ||
		   strcmp(e.boot, j->boot) != 0) {
		bool same_holder = e.holder.pid == self.pid && e.holder.start == self.start && strcmp(e.boot, j->boot) == 0;
		e.holder = self;
		e.parent.pid = 0;
		e.parent.start = 0;
		memcpy(e.boot, j->boot, sizeof(e.boot));
		/* the name names the holder: a new holder gets a new name, written before the old
		 * one goes (while it is locked), so that the record is never missing */
		if (same_holder)
			snprintf(claimed, sizeof(claimed), "%s", name);
		else
			make_name(j, &self, claimed);
		rc = write_entry(j, pamh, claimed, &e, true);
		if (rc == 0 && strcmp(claimed, name) != 0) {
			unlinkat(j->dfd, name, 0);
			snprintf(name, JOURNAL_NAME_LEN, "%s", claimed);
		}
	}
	journal_entry_clear(&e);
	close(fd);
	return rc;
}

void journal_remove(struct journal *j, pam_handle_t *pamh, const char *name, const char *session_id)
{
	char found[JOURNAL_NAME_LEN];
	if (name == NULL || name[0] == '\0') {
		if (session_id == NULL || find_record(j, pamh, session_id, found) != 0)
			return;
		name = found;
	}
	if (unlinkat(j->dfd, name, 0) != 0 && errno != ENOENT)
		pam_syslog(pamh, LOG_WARNING, "session journal: cannot remove record %s", name);
}

enum journal_state journal_judge(const struct journal *j, const struct journal_entry *e, time_t now)
{
	if (proc_alive(&e->holder, e->boot, j->boot))
		return JOURNAL_ALIVE;
	if (e->parent.pid != 0 && proc_alive(&e->parent, e->boot, j->boot) && now >= e->since &&
	    now - e->since < JOURNAL_SETUP_GRACE)
		return JOURNAL_SETTING_UP;
	return JOURNAL_ORPHAN;
}
