/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_options.c — the configuration parser on untrusted bytes.
 *
 * Input format: everything before the first NUL byte is a configuration file, given to
 * options_parse_text. The rest is a NUL-separated argv, each argument applied the way the
 * module applies its arguments (conf= skipped, "key = value" or a bare "key", trimmed,
 * through options_set). Then options_validate. A file that holds no NUL is just a config
 * file, so the corpus can be plain pam_tmdb.conf files.
 *
 * Checked: every value that got in respects its key's rules (ranges, lengths, absolute
 * paths, printable text, api_url without a trailing '/', flow v3 or v4); a validated set has a
 * credential (the read access token for flow=v4), https URLs unless allow_http,
 * connect_timeout <= timeout; error messages are terminated
 * and never repeat a secret's value; options_free leaves no leak (LeakSanitizer). */
#include "config.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "fuzz_util.h"

static void check_token_text(const char *name, const char *v, size_t max, bool path)
{
	if (v == NULL)
		return;
	size_t n = strlen(v);
	FUZZ_CHECK(n >= 1 && n <= max, "%s: length %zu", name, n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)v[i] > 0x20 && (unsigned char)v[i] < 0x7f, "%s: byte 0x%02x", name,
			   (unsigned char)v[i]);
	if (path)
		FUZZ_CHECK(v[0] == '/', "%s: not absolute: %s", name, v);
}

static void check_url(const char *name, const char *v)
{
	check_token_text(name, v, 1024, false);
	/* finding F1: "https:/host" and "https:host" get in (libcurl's parser is lenient) */
	if (v != NULL)
		FUZZ_CHECK(strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0,
			   "%s: not an http(s) URL: %s", name, v);
}

static void check_struct(const struct tmdb_options *o)
{
	check_token_text("api_key", o->api_key, 256, false);
	check_token_text("access_token", o->access_token, 4096, false);
	check_token_text("api_key_file", o->api_key_file, PATH_MAX, true);
	check_url("api_url", o->api_url);
	check_url("approve_url", o->approve_url);
	check_url("approve_url_v4", o->approve_url_v4);
	check_url("redirect_to", o->redirect_to);
	FUZZ_CHECK(o->api_url != NULL && o->approve_url != NULL && o->approve_url_v4 != NULL, "URL lost");
	FUZZ_CHECK(o->flow == FLOW_V3 || o->flow == FLOW_V4, "flow %d", o->flow);
	FUZZ_CHECK(o->api_url[strlen(o->api_url) - 1] != '/', "api_url ends with '/': %s", o->api_url);
	check_token_text("user_map", o->user_map, PATH_MAX, true);
	check_token_text("cache_dir", o->cache_dir, PATH_MAX, true);
	check_token_text("cafile", o->cafile, PATH_MAX, true);
	check_token_text("capath", o->capath, PATH_MAX, true);
	FUZZ_CHECK(o->user_agent != NULL && strlen(o->user_agent) >= 1 && strlen(o->user_agent) <= 256 &&
			   fuzz_no_ctl(o->user_agent),
		   "user_agent");
	for (const unsigned char *p = (const unsigned char *)o->user_agent; *p; p++)
		FUZZ_CHECK(*p < 0x7f, "user_agent: byte 0x%02x", *p);
	FUZZ_CHECK(o->approval == APPROVAL_PROMPT || o->approval == APPROVAL_POLL, "approval %d", o->approval);
	FUZZ_CHECK(o->account_match == MATCH_USER || o->account_match == MATCH_MAP || o->account_match == MATCH_ANY,
		   "account_match %d", o->account_match);
	FUZZ_CHECK(o->max_prompts >= 1 && o->max_prompts <= 20, "max_prompts %ld", o->max_prompts);
	FUZZ_CHECK(o->approval_timeout >= 1 && o->approval_timeout <= 3600, "approval_timeout %ld", o->approval_timeout);
	FUZZ_CHECK(o->poll_interval >= 1 && o->poll_interval <= 300, "poll_interval %ld", o->poll_interval);
	/* 0: not set, its default follows the other timeout in options_validate */
	FUZZ_CHECK(o->timeout >= 0 && o->timeout <= 600, "timeout %ld", o->timeout);
	FUZZ_CHECK(o->connect_timeout >= 0 && o->connect_timeout <= 600, "connect_timeout %ld", o->connect_timeout);
	FUZZ_CHECK(o->minimum_uid >= 0 && o->minimum_uid <= 4294967294L, "minimum_uid %ld", o->minimum_uid);
	check_token_text("proxy", o->proxy, 1024, false);
	if (o->cache_dir != NULL) {
		size_t n = strlen(o->cache_dir);
		/* normalised: O_NOFOLLOW must see the real last component */
		FUZZ_CHECK(strstr(o->cache_dir, "//") == NULL && strstr(o->cache_dir, "/./") == NULL &&
			   strstr(o->cache_dir, "/../") == NULL && (n == 1 || o->cache_dir[n - 1] != '/') &&
			   !(n >= 2 && strcmp(o->cache_dir + n - 2, "/.") == 0) &&
			   !(n >= 3 && strcmp(o->cache_dir + n - 3, "/..") == 0),
			   "cache_dir not normalised: %s", o->cache_dir);
	}
	FUZZ_CHECK(o->retries >= 0 && o->retries <= 10, "retries %ld", o->retries);
	FUZZ_CHECK(o->max_response >= 1024 && o->max_response <= 16L * 1024 * 1024, "max_response %ld", o->max_response);
}

static void check_validated(const struct tmdb_options *o)
{
	FUZZ_CHECK(o->api_key != NULL || o->access_token != NULL || o->api_key_file != NULL, "no credential");
	FUZZ_CHECK(!(o->api_key != NULL && o->api_key_file != NULL), "api_key and api_key_file");
	FUZZ_CHECK(o->flow != FLOW_V4 || o->access_token != NULL, "flow=v4 without the read access token");
	if (!o->allow_http) {
		FUZZ_CHECK(strncasecmp(o->api_url, "https://", 8) == 0, "api_url not https: %s", o->api_url);
		FUZZ_CHECK(strncasecmp(o->approve_url, "https://", 8) == 0, "approve_url not https: %s", o->approve_url);
		FUZZ_CHECK(strncasecmp(o->approve_url_v4, "https://", 8) == 0, "approve_url_v4 not https: %s",
			   o->approve_url_v4);
	}
	FUZZ_CHECK(o->timeout >= 1 && o->connect_timeout >= 1, "timeouts resolved: %ld/%ld", o->timeout, o->connect_timeout);
	FUZZ_CHECK(o->connect_timeout <= o->timeout, "connect_timeout > timeout");
}

static void check_err(const char *err, size_t cap)
{
	FUZZ_CHECK(memchr(err, '\0', cap) != NULL, "error message not terminated");
}

/* The module's own trimming of an argument (split_assignment in options.c), redone here on
 * a private copy: the fuzzer reaches the setter exactly as apply_arguments does. */
static void trim(char **s)
{
	char *p = *s, *end;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	*s = p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmdb_options o;
	char err[320];
	const uint8_t *nul = memchr(data, '\0', size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	char *text = fuzz_copy(data, text_len);
	int rc;

	if (options_defaults(&o) != PAM_SUCCESS)
		abort();
	check_struct(&o);
	memset(err, 0x55, sizeof(err));
	err[0] = '\0';
	rc = options_parse_text(&o, text, text_len, err, sizeof(err));
	check_err(err, sizeof(err));
	FUZZ_CHECK(rc == PAM_SUCCESS || rc == PAM_SERVICE_ERR || rc == PAM_BUF_ERR, "rc %d", rc);
	free(text);
	/* the struct stays consistent whatever happened: a failed line changes nothing */
	check_struct(&o);

	if (rc == PAM_SUCCESS && nul != NULL) {
		const uint8_t *p = nul + 1, *end = data + size;
		while (p < end && rc == PAM_SUCCESS) {
			const uint8_t *q = memchr(p, '\0', (size_t)(end - p));
			size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
			char *arg = fuzz_strndup(p, n), *key = arg, *value = NULL, *eq;
			p += n + 1;
			if (strncmp(arg, "conf=", 5) == 0) {
				free(arg);
				continue;
			}
			eq = strchr(arg, '=');
			if (eq != NULL) {
				*eq = '\0';
				value = eq + 1;
				while (*value == ' ' || *value == '\t')
					value++;
				trim(&value);
			}
			trim(&key);
			memset(err, 0x55, sizeof(err));
			err[0] = '\0';
			rc = options_set(&o, key, value, err, sizeof(err));
			check_err(err, sizeof(err));
			FUZZ_CHECK(rc == PAM_SUCCESS || rc == PAM_SERVICE_ERR || rc == PAM_BUF_ERR, "rc %d", rc);
			if (rc == PAM_SERVICE_ERR && value != NULL && strlen(value) >= 24 &&
			    (strcmp(key, "api_key") == 0 || strcmp(key, "access_token") == 0))
				FUZZ_CHECK(strstr(err, value) == NULL, "a secret's value is in the error: %s", err);
			free(arg);
			check_struct(&o);
		}
	}
	if (rc == PAM_SUCCESS) {
		memset(err, 0x55, sizeof(err));
		err[0] = '\0';
		rc = options_validate(&o, err, sizeof(err));
		check_err(err, sizeof(err));
		if (rc == PAM_SUCCESS)
			check_validated(&o);
	}
	options_free(&o);
	return 0;
}
