/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the graphical-greeter rule (greeter.h): which PAM_TTY values are X display
 * names, and greeter_host on a real libpam handle with the items a host sets. The e2e tests
 * (test_greeter_rule.py) take the same rule through a whole login. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "check.h"
#include "greeter.h"

static void display_names(void)
{
	static const char *const yes[] = { ":0", ":1", ":10.0", ":0.1", "localhost:10.0", "host.example:2",
					   "192.168.1.5:0", "my-host_1:99" };
	static const char *const no[] = { "", ":", ":x", ":0.", ":.0", ":0.x", ":-1", "0", "/dev/tty1", "tty1",
					  "pts/3", "/dev/pts/3", "ssh", "a b:0", "host:", "host:0 ", " :0",
					  ":0/tty", "/dev/:0" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		CHECK(greeter_display_name(yes[i]), "an X display: \"%s\"", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		CHECK(!greeter_display_name(no[i]), "not an X display: \"%s\"", no[i]);
	CHECK(!greeter_display_name(NULL), "NULL is not an X display");
}

#ifdef HAVE_PAM_START_CONFDIR
static int no_conv(int n, const struct pam_message **m, struct pam_response **r, void *d)
{
	(void)n, (void)m, (void)r, (void)d;
	return PAM_CONV_ERR;
}

struct host_case {
	const char *tty;      /* NULL: not set */
	const char *xdisplay; /* NULL: not set */
	bool greeter;
	const char *why;
};

static void hosts(const char *confdir)
{
	static const struct host_case cases[] = {
		{ NULL, NULL, false, NULL },               /* pamtester, tmdb-login */
		{ "/dev/tty1", NULL, false, NULL },        /* login(1) on a VT */
		{ "ssh", NULL, false, NULL },              /* sshd */
		{ "/dev/pts/0", NULL, false, NULL },       /* su in a terminal */
		{ ":0", NULL, true, "PAM_TTY is an X display" },
		{ NULL, ":0", true, "PAM_XDISPLAY is set" },
		{ ":0", ":0", true, "PAM_XDISPLAY is set" }, /* LightDM */
		{ "/dev/tty7", ":1", true, "PAM_XDISPLAY is set" },
		{ NULL, "", false, NULL },                  /* an empty display says nothing */
	};
	struct pam_conv conv = { no_conv, NULL };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct host_case *c = &cases[i];
		pam_handle_t *pamh = NULL;
		const char *why = NULL;
		bool got;
		if (pam_start_confdir("greeter-test", "nobody", &conv, confdir, &pamh) != PAM_SUCCESS) {
			CHECK(0, "pam_start_confdir");
			continue;
		}
		if (c->tty != NULL)
			pam_set_item(pamh, PAM_TTY, c->tty);
		if (c->xdisplay != NULL)
			pam_set_item(pamh, PAM_XDISPLAY, c->xdisplay);
		got = greeter_host(pamh, &why);
		CHECK(got == c->greeter && (!got || strcmp(why, c->why) == 0), "PAM_TTY %s, PAM_XDISPLAY %s: %s (%s)",
		      c->tty ? c->tty : "unset", c->xdisplay ? c->xdisplay : "unset", got ? "greeter" : "not a greeter",
		      got ? why : "-");
		pam_end(pamh, PAM_SUCCESS);
	}
}
#endif

int main(void)
{
#ifdef HAVE_PAM_START_CONFDIR
	char dir[] = "/tmp/test_greeter.XXXXXX";
	char path[sizeof dir + 32];
	FILE *f;
#endif

	display_names();
#ifdef HAVE_PAM_START_CONFDIR
	/* a service of our own: greeter_host only reads items, no module runs */
	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		CHECK_DONE();
	}
	snprintf(path, sizeof path, "%s/greeter-test", dir);
	f = fopen(path, "w");
	if (f != NULL) {
		fputs("auth required pam_deny.so\n", f);
		fclose(f);
		hosts(dir);
	} else {
		CHECK(0, "write %s", path);
	}
	unlink(path);
	rmdir(dir);
#endif
	CHECK_DONE();
}
