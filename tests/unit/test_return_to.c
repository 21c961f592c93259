/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of return_to_check: which return addresses a host may give (return_to.h), with
 * the boundaries of the port and of the length; the e2e tests (test_return_to.py) take the
 * same rules through the PAM environment. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "return_to.h"

static void accepted(const char *value, long want_port)
{
	long port = -1;
	const char *why = NULL;
	bool ok = return_to_check(value, &port, &why);
	CHECK(ok && port == want_port, "accepted, port %ld: \"%.60s\" (%s)", want_port, value, why ? why : "");
}

static void refused(const char *value, const char *why_part)
{
	long port = -1;
	const char *why = NULL;
	bool ok = return_to_check(value, &port, &why);
	CHECK(!ok && why != NULL && strstr(why, why_part) != NULL && port == -1, "refused (%s): \"%.60s\"",
	      why ? why : "no reason", value);
}

static void test_accepted(void)
{
	accepted("http://127.0.0.1:8080", 8080);
	accepted("http://127.0.0.1:8080/", 8080);
	accepted("http://[::1]:8080/done", 8080);
	accepted("http://127.0.0.1:1/", 1);
	accepted("http://127.0.0.1:65535/", 65535);
	accepted("http://127.0.0.1:9/A-Za-z0-9._~/-/x", 9);
	accepted("http://127.0.0.1:9//../.", 9);
}

static void test_refused(void)
{
	const char *host = "not http://127.0.0.1:PORT";
	const char *port = "the port";
	const char *path = "the path holds";
	refused("", "empty");
	refused("https://127.0.0.1:8080/", host);
	refused("HTTP://127.0.0.1:8080/", host);
	refused("http://localhost:8080/", host);
	refused("http://127.0.0.2:8080/", host);
	refused("http://0x7f.1:8080/", host);
	refused("http://2130706433:8080/", host);
	refused("http://[::2]:8080/", host);
	refused("http://[0:0:0:0:0:0:0:1]:8080/", host);
	refused("http://[::ffff:127.0.0.1]:8080/", host);
	refused("http://user@127.0.0.1:8080/", host);
	refused("http://127.0.0.1@evil.example:8080/", host);
	refused("http://127.0.0.1/", host);
	refused("http://127.0.0.1:/", port);
	refused("http://127.0.0.1:0/", port);
	refused("http://127.0.0.1:00/", port);
	refused("http://127.0.0.1:0080/", port);
	refused("http://127.0.0.1:65536/", port);
	refused("http://127.0.0.1:99999/", port);
	refused("http://127.0.0.1:100000/", port);
	refused("http://127.0.0.1:18446744073709551617/", port);
	refused("http://127.0.0.1:-1/", port);
	refused("http://127.0.0.1:+80/", port);
	refused("http://127.0.0.1:8080?x=1", "only a path");
	refused("http://127.0.0.1:8080#f", "only a path");
	refused("http://127.0.0.1:8080.evil.example/", "only a path");
	refused("http://127.0.0.1:8080/?x=1", path);
	refused("http://127.0.0.1:8080/#f", path);
	refused("http://127.0.0.1:8080/a%2Fb", path);
	refused("http://127.0.0.1:8080/a b", path);
	refused("http://127.0.0.1:8080/a\tb", path);
	refused("http://127.0.0.1:8080/a\x7f", path);
	refused("http://127.0.0.1:8080/\xc3\xa9", path);
	refused("http://127.0.0.1:8080/a\\b", path);
	refused("http://127.0.0.1:8080/a\"b", path);
	refused(" http://127.0.0.1:8080/", host);
}

/* RETURN_TO_MAX bytes are taken, one more is not. */
static void test_length(void)
{
	char value[RETURN_TO_MAX + 2];
	const char *prefix = "http://127.0.0.1:8080/";
	size_t n = strlen(prefix);
	memcpy(value, prefix, n);
	memset(value + n, 'a', RETURN_TO_MAX - n);
	value[RETURN_TO_MAX] = '\0';
	CHECK(strlen(value) == RETURN_TO_MAX, "the value is %d bytes", RETURN_TO_MAX);
	accepted(value, 8080);
	value[RETURN_TO_MAX] = 'a';
	value[RETURN_TO_MAX + 1] = '\0';
	refused(value, "longer than 256 bytes");
}

int main(void)
{
	test_accepted();
	test_refused();
	test_length();
	CHECK_DONE();
}
