/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the option parser: defaults, file syntax, every kind of value, validation. */
#include "config.h"

#include <string.h>

#include <security/pam_appl.h>

#include "check.h"
#include "options.h"
#include "scope_first.h"

static int parse(struct tmdb_options *o, const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return options_parse_text(o, text, strlen(text), err, errlen);
}

static void test_defaults(void)
{
	struct tmdb_options o;
	CHECK(options_defaults(&o) == PAM_SUCCESS, "defaults load");
	CHECK(strcmp(o.api_url, "https://api.themoviedb.org") == 0, "api_url default");
	CHECK(strcmp(o.approve_url, "https://www.themoviedb.org/authenticate/") == 0, "approve_url default");
	CHECK(o.approval == APPROVAL_PROMPT && o.max_prompts == 3, "approval=prompt, max_prompts=3");
	CHECK(o.approval_timeout == 300 && o.poll_interval == 5, "approval_timeout=300, poll_interval=5");
	CHECK(!o.qrcode && o.account_match == MATCH_MAP, "qrcode=no, account_match=map");
	CHECK(o.minimum_uid == 1000, "minimum_uid=1000");
	CHECK(o.proxy == NULL && o.cafile == NULL && o.capath == NULL, "no proxy, the system CA store");
	CHECK(strcmp(o.user_map, TMDB_SECURITYDIR "/pam_tmdb.users") == 0, "user_map default (/etc/security unless configure --with-securitydir)");
	CHECK(strcmp(o.cache_dir, "/var/cache/pam_tmdb") == 0, "cache_dir default");
	CHECK(!o.reuse_session && o.export_env && !o.conv_session && o.logout_on_close, "booleans default");
	CHECK(o.retries == 2 && o.max_response == 65536, "network defaults");
	CHECK(!o.allow_http && !o.debug, "allow_http=no, debug=no");
	CHECK(strncmp(o.user_agent, "pam_tmdb/", 9) == 0, "user_agent default is pam_tmdb/VERSION");
	CHECK(o.api_key == NULL && o.access_token == NULL, "no credentials by default");
	CHECK(o.flow == FLOW_V3, "flow=v3");
	CHECK(strcmp(o.approve_url_v4, "https://www.themoviedb.org/auth/access?request_token=") == 0, "approve_url_v4 default");
	options_free(&o);
}

static void test_file_syntax(void)
{
	struct tmdb_options o;
	char err[256];
	options_defaults(&o);
	CHECK(parse(&o, "# comment\n\n  api_key =  abc123  # trailing comment\r\ndebug\nretries=0\n", err, sizeof(err)) == PAM_SUCCESS,
	      "comments, blank lines, spaces, CRLF, bare key: %s", err);
	CHECK(o.api_key && strcmp(o.api_key, "abc123") == 0, "api_key trimmed");
	CHECK(o.debug, "bare key means yes");
	CHECK(o.retries == 0, "retries=0");
	CHECK(parse(&o, "retries = 3\nretries = 4\n", err, sizeof(err)) == PAM_SUCCESS && o.retries == 4, "last one wins");
	CHECK(parse(&o, "bogus = 1\n", err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "bogus") && strstr(err, "line 1"),
	      "unknown key named with its line: %s", err);
	CHECK(parse(&o, "\n= 5\n", err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "line 2"), "missing key: %s", err);
	CHECK(parse(&o, "conf = /etc/x\n", err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "conf"), "conf not in the file: %s", err);
	CHECK(options_parse_text(&o, "debug\0=no", 9, err, sizeof(err)) == PAM_SERVICE_ERR, "NUL byte refused");
	options_free(&o);
}

struct value_case {
	const char *key, *value;
	int expect;
};

static void test_values(void)
{
	static const struct value_case cases[] = {
		{ "max_prompts", "1", PAM_SUCCESS }, { "max_prompts", "0", PAM_SERVICE_ERR },
		{ "max_prompts", "21", PAM_SERVICE_ERR }, { "max_prompts", "3x", PAM_SERVICE_ERR },
		{ "max_prompts", " 3", PAM_SERVICE_ERR }, { "max_prompts", "", PAM_SERVICE_ERR },
		{ "timeout", "99999999999999999999", PAM_SERVICE_ERR }, { "timeout", "-1", PAM_SERVICE_ERR },
		{ "retries", "10", PAM_SUCCESS }, { "retries", "11", PAM_SERVICE_ERR },
		{ "max_response", "1023", PAM_SERVICE_ERR }, { "max_response", "16777216", PAM_SUCCESS },
		{ "approval", "poll", PAM_SUCCESS }, { "approval", "Poll", PAM_SERVICE_ERR }, { "approval", "wait", PAM_SERVICE_ERR },
		{ "account_match", "map", PAM_SUCCESS }, { "account_match", "any", PAM_SUCCESS }, { "account_match", "all", PAM_SERVICE_ERR },
		{ "debug", "on", PAM_SUCCESS }, { "debug", "OFF", PAM_SUCCESS }, { "debug", "1", PAM_SUCCESS },
		{ "debug", "2", PAM_SERVICE_ERR }, { "debug", "yess", PAM_SERVICE_ERR },
		{ "cache_dir", "none", PAM_SUCCESS }, { "cache_dir", "relative/dir", PAM_SERVICE_ERR },
		{ "cache_dir", "/var/cache/../tmp", PAM_SERVICE_ERR }, { "cache_dir", "/var/cache/pam_tmdb/.", PAM_SUCCESS },
		{ "minimum_uid", "0", PAM_SUCCESS }, { "minimum_uid", "4294967294", PAM_SUCCESS },
		{ "minimum_uid", "4294967295", PAM_SERVICE_ERR }, { "minimum_uid", "-1", PAM_SERVICE_ERR },
		{ "proxy", "http://proxy.example:3128", PAM_SUCCESS }, { "proxy", "socks5h://127.0.0.1:1080", PAM_SUCCESS },
		{ "proxy", "proxy.example:3128", PAM_SERVICE_ERR }, { "proxy", "http://", PAM_SERVICE_ERR },
		{ "cafile", "/etc/ssl/ca.pem", PAM_SUCCESS }, { "cafile", "ca.pem", PAM_SERVICE_ERR },
		{ "user_map", "/etc/a b", PAM_SERVICE_ERR },
		{ "api_url", "https://api.example.org/", PAM_SUCCESS }, { "api_url", "ftp://x.org", PAM_SERVICE_ERR },
		{ "api_url", "https://user:pw@x.org", PAM_SERVICE_ERR }, { "api_url", "https://x.org/#frag", PAM_SERVICE_ERR },
		{ "api_url", "not a url", PAM_SERVICE_ERR }, { "api_url", "https:host.example", PAM_SERVICE_ERR },
		{ "redirect_to", "https:/host.example", PAM_SERVICE_ERR }, { "api_url", "https://", PAM_SERVICE_ERR },
		{ "redirect_to", "https://app.example/done?x=1", PAM_SUCCESS },
		{ "api_key", "abc\x01", PAM_SERVICE_ERR }, { "access_token", "eyJ.a b", PAM_SERVICE_ERR },
		{ "user_agent", "my app/1.0", PAM_SUCCESS }, { "user_agent", "bad\r\nX-Injected: 1", PAM_SERVICE_ERR },
		{ "no_such_key", "1", PAM_SERVICE_ERR },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmdb_options o;
		char err[256] = "";
		int rc;
		options_defaults(&o);
		rc = options_set(&o, cases[i].key, cases[i].value, err, sizeof(err));
		CHECK(rc == cases[i].expect, "%s=%s -> %d (%s)", cases[i].key, cases[i].value, rc, err);
		if (rc == PAM_SERVICE_ERR)
			CHECK(strstr(err, cases[i].key) != NULL, "error names the key: %s", err);
		options_free(&o);
	}
}

static void test_secret_not_echoed(void)
{
	struct tmdb_options o;
	char err[256] = "";
	options_defaults(&o);
	options_set(&o, "api_key", "SECRETVALUE\x02", err, sizeof(err));
	CHECK(strstr(err, "SECRETVALUE") == NULL && strstr(err, "api_key") != NULL, "a bad secret is not echoed: %s", err);
	options_free(&o);
}

static void test_bare_keys(void)
{
	static const char *const not_bool[] = { "access_token", "api_key", "api_url", "timeout", "cache_dir", "approval" };
	struct tmdb_options o;
	char err[256];
	for (size_t i = 0; i < sizeof(not_bool) / sizeof(not_bool[0]); i++) {
		options_defaults(&o);
		err[0] = '\0';
		CHECK(options_set(&o, not_bool[i], NULL, err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, not_bool[i]) &&
		      strstr(err, "needs a value"), "bare %s is an error: %s", not_bool[i], err);
		CHECK(o.access_token == NULL && o.api_key == NULL, "bare %s set no credential", not_bool[i]);
		options_free(&o);
	}
	options_defaults(&o);
	CHECK(options_set(&o, "reuse_session", NULL, err, sizeof(err)) == PAM_SUCCESS && o.reuse_session, "bare boolean means yes");
	options_free(&o);
}

static void test_cache_dir_normalised(void)
{
	static const char *const cases[][2] = {
		{ "/var/cache/link/", "/var/cache/link" }, { "/var/cache/link/.", "/var/cache/link" },
		{ "/var//cache///link//", "/var/cache/link" }, { "/var/./cache/./link/./", "/var/cache/link" },
		{ "/", "/" }, { "//.", "/" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmdb_options o;
		char err[256] = "";
		options_defaults(&o);
		CHECK(options_set(&o, "cache_dir", cases[i][0], err, sizeof(err)) == PAM_SUCCESS && strcmp(o.cache_dir, cases[i][1]) == 0,
		      "cache_dir %s -> %s (got %s)", cases[i][0], cases[i][1], o.cache_dir ? o.cache_dir : "(null)");
		options_free(&o);
	}
}

/* Defaults never conflict with what was set: timeout and connect_timeout follow each other. */
static void test_timeouts_follow_each_other(void)
{
	static const struct { const char *timeout, *connect; long want_timeout, want_connect; int rc; } cases[] = {
		{ NULL, NULL, 10, 5, PAM_SUCCESS }, { "1", NULL, 1, 1, PAM_SUCCESS }, { "3", NULL, 3, 3, PAM_SUCCESS },
		{ "60", NULL, 60, 5, PAM_SUCCESS }, { NULL, "15", 15, 15, PAM_SUCCESS }, { NULL, "2", 10, 2, PAM_SUCCESS },
		{ "4", "4", 4, 4, PAM_SUCCESS }, { "4", "5", 0, 0, PAM_SERVICE_ERR },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmdb_options o;
		char err[256] = "";
		int rc;
		options_defaults(&o);
		options_set(&o, "api_key", "k", err, sizeof(err));
		if (cases[i].timeout)
			options_set(&o, "timeout", cases[i].timeout, err, sizeof(err));
		if (cases[i].connect)
			options_set(&o, "connect_timeout", cases[i].connect, err, sizeof(err));
		rc = options_validate(&o, err, sizeof(err));
		CHECK(rc == cases[i].rc, "timeout=%s connect_timeout=%s -> %d (%s)", cases[i].timeout ? cases[i].timeout : "-",
		      cases[i].connect ? cases[i].connect : "-", rc, err);
		if (rc == PAM_SUCCESS)
			CHECK(o.timeout == cases[i].want_timeout && o.connect_timeout == cases[i].want_connect,
			      "timeout=%s connect_timeout=%s -> %ld/%ld", cases[i].timeout ? cases[i].timeout : "-",
			      cases[i].connect ? cases[i].connect : "-", o.timeout, o.connect_timeout);
		options_free(&o);
	}
}

static void test_api_url_normalised(void)
{
	struct tmdb_options o;
	char err[256];
	options_defaults(&o);
	CHECK(options_set(&o, "api_url", "https://localhost:8443///", err, sizeof(err)) == PAM_SUCCESS, "api_url accepted");
	CHECK(strcmp(o.api_url, "https://localhost:8443") == 0, "trailing slashes removed: %s", o.api_url);
	options_free(&o);
}

static void test_validate(void)
{
	struct tmdb_options o;
	char err[256];

	options_defaults(&o);
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "api_key"), "missing key: %s", err);
	options_set(&o, "access_token", "tok", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SUCCESS, "access_token alone is enough");
	options_set(&o, "api_url", "http://localhost:1", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "api_url") && strstr(err, "allow_http"),
	      "http without allow_http: %s", err);
	options_set(&o, "allow_http", "yes", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SUCCESS, "http with allow_http");
	options_set(&o, "timeout", "10", err, sizeof(err));
	options_set(&o, "connect_timeout", "20", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "connect_timeout"), "connect_timeout > timeout: %s", err);
	options_free(&o);

	options_defaults(&o);
	options_set(&o, "api_key", "k", err, sizeof(err));
	options_set(&o, "api_key_file", "/etc/k", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "api_key_file"), "key and key file: %s", err);
	options_free(&o);

	options_defaults(&o);
	CHECK(options_set(&o, "flow", "v5", err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "flow"), "flow=v5: %s", err);
	CHECK(options_set(&o, "flow", "V4", err, sizeof(err)) == PAM_SERVICE_ERR, "flow keywords are lower case");
	CHECK(options_set(&o, "flow", "v4", err, sizeof(err)) == PAM_SUCCESS && o.flow == FLOW_V4, "flow=v4");
	options_set(&o, "api_key", "k", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SERVICE_ERR && strncmp(err, "access_token:", 13) == 0,
	      "flow=v4 with only an API key names access_token: %s", err);
	options_set(&o, "access_token", "tok", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SUCCESS, "flow=v4 with the read access token");
	options_set(&o, "approve_url_v4", "http://localhost/auth/access?request_token=", err, sizeof(err));
	CHECK(options_validate(&o, err, sizeof(err)) == PAM_SERVICE_ERR && strstr(err, "approve_url_v4"),
	      "approve_url_v4 over http: %s", err);
	CHECK(options_set(&o, "approve_url_v4", "https://x.example/a#b", err, sizeof(err)) == PAM_SERVICE_ERR,
	      "approve_url_v4 with a fragment");
	options_free(&o);
}

static void test_load_arguments_win(void)
{
	struct tmdb_options o;
	const char *argv[] = { "user_agent=fromarg", "retries=5", "debug", "allow_http" };
	const char *secret[] = { "api_key=fromarg" };
	const char *token[] = { "access_token=fromarg" };
	CHECK(options_load(NULL, 4, argv, &o) == PAM_SERVICE_ERR, "no credential anywhere (no default file)");
	CHECK(options_load(NULL, 1, secret, &o) == PAM_SERVICE_ERR, "api_key is refused as a module argument");
	CHECK(options_load(NULL, 1, token, &o) == PAM_SERVICE_ERR, "access_token is refused as a module argument");
	CHECK(options_is_secret("api_key") && options_is_secret("access_token") && !options_is_secret("api_key_file"),
	      "the secrets are api_key and access_token");
	{
		const char *bad[] = { "conf=relative.conf", "debug" };
		CHECK(options_load(NULL, 2, bad, &o) == PAM_SERVICE_ERR, "conf= must be absolute");
	}
	{
		const char *missing[] = { "conf=/nonexistent/pam_tmdb.conf", "debug" };
		CHECK(options_load(NULL, 2, missing, &o) == PAM_SERVICE_ERR, "an explicit conf= that does not exist is an error");
	}
}

/* The minimum_uid read before the configuration (scope_first.h): the parser's value whenever
 * the parser accepts the text, and a value even when another line is broken. */
static void test_scope_first(void)
{
	static const struct {
		const char *text;
		long want;
	} cases[] = {
		{ "", 1000 },
		{ "minimum_uid = 500\n", 500 },
		{ "minimum_uid=0", 0 },
		{ "  minimum_uid\t=\t+42   # comment\r\n", 42 },
		{ "minimum_uid = 500\nminimum_uid = 600\n", 600 },
		{ "minimum_uid = 500\nminimum_uid = bad\n", 500 },
		{ "minimum_uid = 4294967294\n", 4294967294L },
		{ "minimum_uid = 4294967295\n", 1000 },
		{ "minimum_uid = -1\n", 1000 },
		{ "minimum_uid = 12 34\n", 1000 },
		{ "# minimum_uid = 0\n", 1000 },
		{ "minimum_uids = 0\n", 1000 },
		{ "xminimum_uid = 0\n", 1000 },
		{ "minimum_uid\n", 1000 },
		{ "api_kye = typo\nminimum_uid = 0\n", 0 },
		{ "minimum_uid = 7\n\x01\x02garbage without equals\n", 7 },
	};
	char err[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmdb_options o;
		long got = scope_first_scan(cases[i].text, strlen(cases[i].text), 1000);
		CHECK(got == cases[i].want, "scope_first_scan(\"%s\") = %ld, want %ld", cases[i].text, got, cases[i].want);
		options_defaults(&o);
		if (parse(&o, cases[i].text, err, sizeof(err)) == PAM_SUCCESS)
			CHECK(o.minimum_uid == got, "the parser and scope_first agree on \"%s\"", cases[i].text);
		options_free(&o);
	}
	/* a NUL byte on a line: that line is passed over, the others count */
	CHECK(scope_first_scan("minimum_uid = 5\nminimum_uid = 9\0\n", 33, 1000) == 5, "a line with a NUL is passed over");
}

int main(void)
{
	test_defaults();
	test_file_syntax();
	test_values();
	test_secret_not_echoed();
	test_bare_keys();
	test_cache_dir_normalised();
	test_timeouts_follow_each_other();
	test_api_url_normalised();
	test_validate();
	test_load_arguments_win();
	test_scope_first();
	CHECK_DONE();
}
