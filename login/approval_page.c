/* SPDX-License-Identifier: BSD-3-Clause */
/* approval_page.c — see approval_page.h. A meta refresh (not a script) moves the browser on:
 * every browser follows it from a file:// page, and the page still shows a link to follow by
 * hand. The directory is made by mkdtemp (0700, a fresh name) and the file with O_EXCL and
 * O_NOFOLLOW, so no other user can read, replace or pre-plant either. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "approval_page.h"
#include "login.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_NAME "approve.html"

/* appends s to buf (grown as needed); false when out of memory */
static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2;
		char *b = realloc(*buf, c);
		if (b == NULL)
			return false;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/* url escaped for an HTML attribute value in double quotes */
static bool append_attr(char **buf, size_t *len, size_t *cap, const char *url)
{
	bool ok = true;
	for (const char *p = url; *p && ok; p++) {
		switch (*p) {
		case '&': ok = append(buf, len, cap, "&amp;", 5); break;
		case '"': ok = append(buf, len, cap, "&quot;", 6); break;
		case '\'': ok = append(buf, len, cap, "&#39;", 5); break;
		case '<': ok = append(buf, len, cap, "&lt;", 4); break;
		case '>': ok = append(buf, len, cap, "&gt;", 4); break;
		default: ok = append(buf, len, cap, p, 1); break;
		}
	}
	return ok;
}

char *approval_page_html(const char *url)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool ok = append(&buf, &len, &cap, "", 0);
	static const char head[] =
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
		"<meta name=\"referrer\" content=\"no-referrer\">\n"
		"<meta http-equiv=\"refresh\" content=\"0;url=";
	static const char mid[] =
		"\">\n<title>tmdb-login</title></head>\n<body><p>Opening TMDb to approve the login: "
		"<a rel=\"noreferrer\" href=\"";
	static const char tail[] = "\">continue</a>.</p></body></html>\n";

	ok = ok && append(&buf, &len, &cap, head, sizeof head - 1) && append_attr(&buf, &len, &cap, url) &&
	     append(&buf, &len, &cap, mid, sizeof mid - 1) && append_attr(&buf, &len, &cap, url) &&
	     append(&buf, &len, &cap, tail, sizeof tail - 1);
	if (!ok) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A parent for the page's directory: $XDG_RUNTIME_DIR when it is ours and writable only by
 * us, else $TMPDIR, else /tmp (mkdtemp's 0700 keeps others out of the new directory there). */
static const char *parent_dir(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");
	struct stat st;

	if (run != NULL && run[0] == '/' && stat(run, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == getuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 && access(run, W_OK) == 0)
		return run;
	if (tmp != NULL && tmp[0] == '/' && access(tmp, W_OK) == 0)
		return tmp;
	return "/tmp";
}

static char *file_url_of(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen("file://") + 3 * strlen(path) + 1), *o;

	if (out == NULL)
		return NULL;
	o = out + sprintf(out, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '/' || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static bool write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		s += k;
		n -= (size_t)k;
	}
	return true;
}

bool approval_page_make(struct approval_page *p, const char *url)
{
	const char *parent = parent_dir();
	char *html = approval_page_html(url);
	int fd = -1;
	bool ok = false;
	struct stat st;

	memset(p, 0, sizeof *p);
	if (html == NULL)
		goto fail;
	p->dir = malloc(strlen(parent) + sizeof "/tmdb-login-XXXXXX");
	if (p->dir == NULL)
		goto fail;
	sprintf(p->dir, "%s/tmdb-login-XXXXXX", parent);
	if (mkdtemp(p->dir) == NULL) {
		say("cannot make a private directory for the browser's page in %s: %s", parent, strerror(errno));
		free(p->dir);
		p->dir = NULL;
		goto fail;
	}
	p->file = malloc(strlen(p->dir) + sizeof "/" PAGE_NAME);
	if (p->file == NULL)
		goto fail;
	sprintf(p->file, "%s/%s", p->dir, PAGE_NAME);
	fd = open(p->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    !write_all(fd, html, strlen(html))) {
		say("cannot write the browser's page %s: %s", p->file, strerror(errno));
		goto fail;
	}
	p->file_url = file_url_of(p->file);
	ok = p->file_url != NULL;
fail:
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (html != NULL) {
		memset(html, 0, strlen(html));
		free(html);
	}
	if (!ok)
		approval_page_remove(p);
	return ok;
}

void approval_page_remove(struct approval_page *p)
{
	if (p->file != NULL)
		(void)unlink(p->file);
	if (p->dir != NULL)
		(void)rmdir(p->dir);
	free(p->dir);
	free(p->file);
	free(p->file_url);
	memset(p, 0, sizeof *p);
}
