/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of tmdb-login's private page for the browser (login/approval_page.h): the URL is
 * written into the page escaped for an HTML attribute (a URL with quotes or markup cannot break
 * out of it), the page is 0600 in a new 0700 directory, its file:// URL is percent-encoded, and
 * removal leaves nothing behind. The e2e tests (test_inherit.py) follow the page with a
 * scripted browser and with Chromium. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "approval_page.h"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	if (f == NULL || buf == NULL) {
		if (f != NULL)
			fclose(f);
		free(buf);
		return NULL;
	}
	(void)!fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

static void test_html_escapes_the_url(void)
{
	char *h = approval_page_html("https://x.test/authenticate/abc?redirect_to=http%3A%2F%2F127.0.0.1%3A1%2Fp&a=\"'<b>");
	CHECK(h != NULL, "html made");
	if (h == NULL)
		return;
	CHECK(strstr(h, "<meta http-equiv=\"refresh\" content=\"0;url=https://x.test/authenticate/abc?"
			"redirect_to=http%3A%2F%2F127.0.0.1%3A1%2Fp&amp;a=&quot;&#39;&lt;b&gt;\">") != NULL,
	      "meta refresh with the escaped URL: %s", h);
	CHECK(strstr(h, "<b>") == NULL && strstr(h, "a=\"") == NULL, "nothing unescaped: %s", h);
	CHECK(strstr(h, "no-referrer") != NULL, "no referrer");
	free(h);
}

static void test_page_is_private_and_removed(void)
{
	char base[] = "/tmp/test-approval-page-XXXXXX";
	char parent[256], expect_prefix[300];
	struct approval_page p;
	struct stat st;
	char *text;

	CHECK(mkdtemp(base) != NULL, "temp dir");
	snprintf(parent, sizeof parent, "%s/with space", base);
	CHECK(mkdir(parent, 0755) == 0, "parent");
	setenv("TMPDIR", parent, 1);
	unsetenv("XDG_RUNTIME_DIR");
	CHECK(approval_page_make(&p, "https://x.test/authenticate/tok"), "page made");
	CHECK(strncmp(p.dir, parent, strlen(parent)) == 0 && strstr(p.dir, "/tmdb-login-") != NULL,
	      "directory in TMPDIR: %s", p.dir);
	CHECK(stat(p.dir, &st) == 0 && (st.st_mode & 07777) == 0700, "dir mode %o", st.st_mode & 07777);
	CHECK(stat(p.file, &st) == 0 && (st.st_mode & 07777) == 0600, "file mode %o", st.st_mode & 07777);
	snprintf(expect_prefix, sizeof expect_prefix, "file://%s/with%%20space/tmdb-login-", base);
	CHECK(strncmp(p.file_url, expect_prefix, strlen(expect_prefix)) == 0 &&
	      strcmp(p.file_url + strlen(p.file_url) - strlen("/approve.html"), "/approve.html") == 0,
	      "file URL %s", p.file_url);
	text = read_all(p.file);
	CHECK(text != NULL && strstr(text, "url=https://x.test/authenticate/tok\"") != NULL, "page text");
	free(text);
	{
		char dir[512];
		snprintf(dir, sizeof dir, "%s", p.dir);
		approval_page_remove(&p);
		CHECK(access(dir, F_OK) != 0, "directory removed");
	}
	CHECK(p.dir == NULL && p.file == NULL && p.file_url == NULL, "names freed");
	approval_page_remove(&p); /* twice is fine */
	rmdir(parent);
	rmdir(base);
}

int main(void)
{
	test_html_escapes_the_url();
	test_page_is_private_and_removed();
	CHECK_DONE();
}
