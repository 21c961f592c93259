/* SPDX-License-Identifier: BSD-3-Clause */
/* safe_file.h — reading files that decide security (config, key file, user map) without
 * following symlinks, with every check made on the open descriptor. */
#ifndef PAM_TMDB_SAFE_FILE_H
#define PAM_TMDB_SAFE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* From now on, for the whole process, only files owned by root are accepted (the setgid
 * helper: its effective user is the caller, whose files must not configure it). */
void safe_file_require_root(void);

/* Is st owned by root or the effective user, and not writable by group or others?
 * Returns 0, or -EPERM with *why set to a static explanation. */
int safe_check_owner_mode(const struct stat *st, const char **why);

/* Reads a whole regular file of at most max bytes into a fresh NUL-terminated buffer (free it
 * with wipe_free(buf, len)). Refuses symlinks, non-regular files, foreign owners and
 * group/other-writable files. *mode (when mode is not NULL) receives the file's permission
 * bits, for callers whose rule depends on what the file turns out to hold. Returns 0 or -errno
 * (-ENOENT, -ELOOP, -EPERM, -EFBIG, -ENOMEM, -EIO...) with *why set to a static explanation. */
int safe_read_file(const char *path, size_t max, char **buf, size_t *len, mode_t *mode, const char **why);

/* The same for a descriptor-relative name (used by the cache). With private, the file must
 * also be unreadable by group and others (mode 0600 or stricter). */
int safe_read_fileat(int dirfd, const char *name, size_t max, bool private_file, char **buf, size_t *len,
		     const char **why);

/* The same checks and bounds on a descriptor the caller opened (O_NOFOLLOW), so that what is
 * read is the file the caller holds (and may lock). */
int safe_read_fd(int fd, size_t max, bool private_file, char **buf, size_t *len, const char **why);

/* Writes len bytes of text as dirfd/name atomically: a fresh temporary file ".tmp-<random>"
 * (O_EXCL, O_NOFOLLOW, mode 0600 whatever the umask), then renameat over name (which replaces
 * a symlink at name itself, never its target). With durable, the file is fsynced before the
 * rename and the directory after it, so the entry survives a power loss. Names starting
 * with '.' are therefore never used for entries. 0 or -errno with *why set to a static
 * explanation; nothing is left behind on failure. */
int safe_write_fileat(int dirfd, const char *name, const char *text, size_t len, bool durable, const char **why);

/* Fills out (n bytes, NUL-terminated) with random [a-z0-9] characters for file names. */
void safe_random_name(char *out, size_t n);

#endif
