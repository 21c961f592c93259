/* SPDX-License-Identifier: BSD-3-Clause */
/* Options: one table of keys, one setter, one line parser shared by the file and arguments. */
#include "config.h"
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#ifndef TMDB_THIN_MODULE
#include <curl/curl.h>
#endif
#include <security/pam_ext.h>

#include "ascii.h"
#include "safe_file.h"
#include "wipe.h"

#define DEFAULT_TIMEOUT 10
#define DEFAULT_CONNECT_TIMEOUT 5

enum opt_kind { K_SECRET, K_STRING, K_PATH, K_PATH_OR_NONE, K_URL, K_PROXY, K_BOOL, K_LONG, K_APPROVAL, K_MATCH, K_FLOW,
		K_PATH_OR_NO };

struct opt_spec {
	const char *name;
	enum opt_kind kind;
	size_t offset;
	long min, max;  /* K_LONG range; string length cap for string kinds */
};

#define OFF(f) offsetof(struct tmdb_options, f)
static const struct opt_spec specs[] = {
	{ "api_key", K_SECRET, OFF(api_key), 0, 256 },
	{ "access_token", K_SECRET, OFF(access_token), 0, 4096 },
	{ "api_key_file", K_PATH, OFF(api_key_file), 0, PATH_MAX },
	{ "api_url", K_URL, OFF(api_url), 0, 1024 },
	{ "approve_url", K_URL, OFF(approve_url), 0, 1024 },
	{ "approve_url_v4", K_URL, OFF(approve_url_v4), 0, 1024 },
	{ "flow", K_FLOW, OFF(flow), 0, 0 },
	{ "redirect_to", K_URL, OFF(redirect_to), 0, 1024 },
	{ "allow_return_to", K_BOOL, OFF(allow_return_to), 0, 0 },
	{ "approval", K_APPROVAL, OFF(approval), 0, 0 },
	{ "max_prompts", K_LONG, OFF(max_prompts), 1, 20 },
	{ "approval_timeout", K_LONG, OFF(approval_timeout), 1, 3600 },
	{ "poll_interval", K_LONG, OFF(poll_interval), 1, 300 },
	{ "qrcode", K_BOOL, OFF(qrcode), 0, 0 },
	{ "account_match", K_MATCH, OFF(account_match), 0, 0 },
	{ "user_map", K_PATH, OFF(user_map), 0, PATH_MAX },
	{ "minimum_uid", K_LONG, OFF(minimum_uid), 0, 4294967294L },
	{ "cache_dir", K_PATH_OR_NONE, OFF(cache_dir), 0, PATH_MAX },
	{ "reuse_session", K_BOOL, OFF(reuse_session), 0, 0 },
	{ "export_env", K_BOOL, OFF(export_env), 0, 0 },
	{ "conv_session", K_BOOL, OFF(conv_session), 0, 0 },
	{ "logout_on_close", K_BOOL, OFF(logout_on_close), 0, 0 },
	{ "state_dir", K_PATH_OR_NONE, OFF(state_dir), 0, PATH_MAX },
	{ "cafile", K_PATH, OFF(cafile), 0, PATH_MAX },
	{ "capath", K_PATH, OFF(capath), 0, PATH_MAX },
	{ "proxy", K_PROXY, OFF(proxy), 0, 1024 },
	{ "timeout", K_LONG, OFF(timeout), 1, 600 },
	{ "connect_timeout", K_LONG, OFF(connect_timeout), 1, 600 },
	{ "retries", K_LONG, OFF(retries), 0, 10 },
	{ "max_response", K_LONG, OFF(max_response), 1024, 16L * 1024 * 1024 },
	{ "allow_http", K_BOOL, OFF(allow_http), 0, 0 },
	{ "user_agent", K_STRING, OFF(user_agent), 0, 256 },
	{ "debug", K_BOOL, OFF(debug), 0, 0 },
	{ "helper", K_PATH_OR_NO, OFF(helper), 0, PATH_MAX },
	{ "self_enroll", K_BOOL, OFF(self_enroll), 0, 0 },
	{ "enroll", K_BOOL, OFF(enroll), 0, 0 },
};
#undef OFF

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool looks_like_option_name(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > 32 || key[0] < 'a' || key[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_'))
			return false;
	return true;
}

static const struct opt_spec *find_spec(const char *key)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (strcmp(specs[i].name, key) == 0)
			return &specs[i];
	return NULL;
}

static char **str_field(struct tmdb_options *o, const struct opt_spec *s)
{
	return (char **)(void *)((char *)o + s->offset);
}

static void free_field(const struct opt_spec *s, char **field)
{
	if (s->kind == K_SECRET)
		wipe_free_str(*field);
	else
		free(*field);
	*field = NULL;
}

static int replace_str(const struct opt_spec *s, char **field, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return PAM_BUF_ERR;
	free_field(s, field);
	*field = copy;
	return PAM_SUCCESS;
}

int options_defaults(struct tmdb_options *o)
{
	memset(o, 0, sizeof(*o));
	o->approval = APPROVAL_PROMPT;
	o->max_prompts = 3;
	o->approval_timeout = 300;
	o->poll_interval = 5;
	/* safe by default: a login proves presence (no reuse), is bound through an explicit map,
	 * leaves no session alive, and leaves root and system accounts alone */
	o->account_match = MATCH_MAP;
	o->minimum_uid = TMDB_DEFAULT_MINIMUM_UID;
	o->reuse_session = false;
	o->logout_on_close = true;
	o->export_env = true;
	o->retries = 2;
	o->max_response = 65536;
	o->api_url = strdup("https://api.themoviedb.org");
	o->approve_url = strdup("https://www.themoviedb.org/authenticate/");
	o->approve_url_v4 = strdup("https://www.themoviedb.org/auth/access?request_token=");
	o->user_map = strdup(TMDB_DEFAULT_USER_MAP);
	o->cache_dir = strdup("/var/cache/pam_tmdb");
	o->state_dir = strdup(TMDB_DEFAULT_STATE_DIR);
	o->user_agent = strdup("pam_tmdb/" PACKAGE_VERSION);
	o->helper = strdup(TMDB_HELPER_PATH);
	if (!o->api_url || !o->approve_url || !o->approve_url_v4 || !o->user_map || !o->cache_dir || !o->state_dir ||
	    !o->user_agent || !o->helper) {
		options_free(o);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

void options_free(struct tmdb_options *o)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		enum opt_kind k = specs[i].kind;
		if (k == K_SECRET || k == K_STRING || k == K_PATH || k == K_PATH_OR_NONE || k == K_URL || k == K_PROXY ||
		    k == K_PATH_OR_NO)
			free_field(&specs[i], str_field(o, &specs[i]));
	}
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (ascii_casecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (ascii_casecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_long(const char *v, long min, long max, long *out)
{
	char *end = NULL;
	long n;
	if (*v == '\0' || !(isdigit((unsigned char)*v) || *v == '-' || *v == '+'))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* Printable ASCII without spaces: what a key, token, path or URL may hold. Rejects anything
 * that could split a header, a query string or a log line. */
static bool is_token_text(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* Printable ASCII, spaces allowed (user_agent). */
static bool is_plain_text(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

#ifdef TMDB_THIN_MODULE
/* The thin pam_tmdb.so (module/local.mk) parses the options only to take the helper decision
 * (needs_helper) and to refuse what is wrong before loading anything; it has no libcurl, so it
 * checks only what needs no URL parser. The core and the helper parse the options again with
 * the full check below and report a bad URL themselves. */
static bool is_web_url(const char *v)
{
	if (ascii_ncasecmp(v, "https://", 8) != 0 && ascii_ncasecmp(v, "http://", 7) != 0)
		return false;
	return strchr(v, '#') == NULL;
}
#else
/* An absolute http(s) URL with a host and no user info or fragment. The scheme policy
 * (https unless allow_http) is checked in options_validate, once all keys are known. */
static bool is_web_url(const char *v)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *userinfo = NULL, *fragment = NULL;
	bool ok = false;
	if (u == NULL)
		return false;
	/* libcurl's parser also takes "https:host"; we want the plain form */
	if (ascii_ncasecmp(v, "https://", 8) != 0 && ascii_ncasecmp(v, "http://", 7) != 0)
		goto out;
	/* no fragment, not even an empty one: the module appends to these URLs */
	if (strchr(v, '#') != NULL)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &userinfo, 0) == CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK)
		goto out;
	ok = host[0] != '\0';
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(userinfo);
	curl_free(fragment);
	curl_url_cleanup(u);
	return ok;
}
#endif

/* A proxy as libcurl takes it, with its scheme spelled out (no guessing from the host). */
static bool is_proxy_url(const char *v)
{
	static const char *const schemes[] = { "http://", "https://", "socks4://", "socks4a://", "socks5://", "socks5h://" };
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);
		if (ascii_ncasecmp(v, schemes[i], n) == 0)
			return v[n] != '\0' && strchr(v, '#') == NULL;
	}
	return false;
}

/* cache_dir without a trailing '/', '.' components or repeated '/': the directory is opened
 * with O_NOFOLLOW, which a trailing "/" or "/." would defeat (the kernel then resolves the
 * last symlink itself). ".." is refused rather than resolved, since resolving it by text is
 * wrong when a component is a symlink. */
static int set_normal_path(const struct opt_spec *s, char **field, const char *value, char *err, size_t errlen)
{
	char *out = malloc(strlen(value) + 1);
	size_t o = 0;
	const char *p = value;

	if (out == NULL)
		return PAM_BUF_ERR;
	while (*p != '\0') {
		size_t n;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			set_err(err, errlen, "%s: \"..\" is not allowed in \"%.80s\"", s->name, value);
			return PAM_SERVICE_ERR;
		}
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	free_field(s, field);
	*field = out;
	return PAM_SUCCESS;
}

/* What a key of this kind takes, for the error that refuses a value: the administrator reads
 * it next to the line to fix. */
static const char *valid_values(enum opt_kind kind)
{
	switch (kind) {
	case K_BOOL:
		return "valid: yes|no|true|false|on|off|1|0";
	case K_APPROVAL:
		return "valid: prompt|poll";
	case K_MATCH:
		return "valid: map|user|any";
	case K_FLOW:
		return "valid: v3|v4";
	case K_PATH:
		return "must be an absolute path, printable ASCII without spaces";
	case K_PATH_OR_NONE:
		return "must be an absolute path, printable ASCII without spaces, or none";
	case K_URL:
		return "must be an https:// URL with a host, without user name or #fragment (http:// only with "
		       "allow_http=yes)";
	case K_PROXY:
		return "must be a URL starting with http://, https://, socks4://, socks4a://, socks5:// or socks5h://";
	case K_STRING:
		return "printable ASCII only";
	case K_SECRET:
		return "printable ASCII without spaces";
	default:
		return "see pam_tmdb.conf(5)";
	}
}

bool options_is_secret(const char *key)
{
	const struct opt_spec *s = find_spec(key);
	return s != NULL && s->kind == K_SECRET;
}

int options_set(struct tmdb_options *o, const char *key, const char *value, char *err, size_t errlen)
{
	const struct opt_spec *s = find_spec(key);
	char **field;
	long n;
	bool b;

	if (s == NULL) {
		/* echo only what looks like an option name: a pasted API key must not reach syslog */
		if (looks_like_option_name(key))
			set_err(err, errlen, "unknown option \"%s\"", key);
		else
			set_err(err, errlen, "unknown option (name not shown: it does not look like an option name)");
		return PAM_SERVICE_ERR;
	}
	if (value == NULL) {
		/* a bare key means yes, for a boolean only: a bare access_token must never become
		 * the token "yes" */
		if (s->kind != K_BOOL) {
			set_err(err, errlen, "%s: needs a value (\"%s = ...\")", key, key);
			return PAM_SERVICE_ERR;
		}
		value = "yes";
	}
	switch (s->kind) {
	case K_BOOL:
		if (parse_bool(value, &b) != 0)
			goto bad;
		*(bool *)(void *)((char *)o + s->offset) = b;
		return PAM_SUCCESS;
	case K_LONG:
		if (parse_long(value, s->min, s->max, &n) != 0) {
			set_err(err, errlen, "%s: expected a whole number from %ld to %ld", key, s->min, s->max);
			return PAM_SERVICE_ERR;
		}
		*(long *)(void *)((char *)o + s->offset) = n;
		return PAM_SUCCESS;
	case K_APPROVAL:
		if (strcmp(value, "prompt") == 0)
			o->approval = APPROVAL_PROMPT;
		else if (strcmp(value, "poll") == 0)
			o->approval = APPROVAL_POLL;
		else
			goto bad;
		return PAM_SUCCESS;
	case K_MATCH:
		if (strcmp(value, "user") == 0)
			o->account_match = MATCH_USER;
		else if (strcmp(value, "map") == 0)
			o->account_match = MATCH_MAP;
		else if (strcmp(value, "any") == 0)
			o->account_match = MATCH_ANY;
		else
			goto bad;
		return PAM_SUCCESS;
	case K_FLOW:
		if (strcmp(value, "v3") == 0)
			o->flow = FLOW_V3;
		else if (strcmp(value, "v4") == 0)
			o->flow = FLOW_V4;
		else
			goto bad;
		return PAM_SUCCESS;
	default:
		break;
	}

	field = str_field(o, s);
	if (value[0] == '\0' || strlen(value) > (size_t)s->max)
		goto bad;
	switch (s->kind) {
	case K_SECRET:
		if (!is_token_text(value)) {
			/* never echo a secret's value into the log */
			set_err(err, errlen, "%s: invalid value", key);
			return PAM_SERVICE_ERR;
		}
		break;
	case K_STRING:
		if (!is_plain_text(value))
			goto bad;
		break;
	case K_PATH_OR_NONE:
		if (strcmp(value, "none") == 0) {
			free_field(s, field);
			return PAM_SUCCESS;
		}
		if (value[0] != '/' || !is_token_text(value))
			goto bad;
		return set_normal_path(s, field, value, err, errlen);
	case K_PATH_OR_NO:
		/* helper = no turns the helper off (NULL) */
		if (strcmp(value, "no") == 0) {
			free_field(s, field);
			return PAM_SUCCESS;
		}
		if (value[0] != '/' || !is_token_text(value))
			goto bad;
		break;
	case K_PATH:
		if (value[0] != '/' || !is_token_text(value))
			goto bad;
		break;
	case K_URL:
		if (!is_token_text(value) || !is_web_url(value))
			goto bad;
		break;
	case K_PROXY:
		if (!is_token_text(value) || !is_proxy_url(value))
			goto bad;
		break;
	default:
		goto bad;
	}
	if (replace_str(s, field, value) != PAM_SUCCESS)
		return PAM_BUF_ERR;
	if (s->kind == K_URL && strcmp(key, "api_url") == 0) {
		size_t len = strlen(*field);
		while (len > 0 && (*field)[len - 1] == '/')
			(*field)[--len] = '\0';
	}
	return PAM_SUCCESS;
bad:
	if (value[0] != '\0' && s->kind != K_BOOL && s->kind != K_APPROVAL && s->kind != K_MATCH && s->kind != K_FLOW &&
	    strlen(value) > (size_t)s->max)
		set_err(err, errlen, "%s: value longer than %ld characters", key, s->max);
	else
		set_err(err, errlen, "%s: invalid value \"%.80s\" (%s)", key, s->kind == K_SECRET ? "(hidden)" : value,
			valid_values(s->kind));
	return PAM_SERVICE_ERR;
}

/* Splits "key = value" (or a bare "key") in place; returns the trimmed key and sets *value
 * (NULL for a bare key). */
static char *split_assignment(char *line, char **value)
{
	char *eq = strchr(line, '=');
	char *end;
	*value = NULL;
	if (eq != NULL) {
		*eq = '\0';
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		*value = v;
	}
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return line;
}

int options_parse_text(struct tmdb_options *o, const char *text, size_t len, char *err, size_t errlen)
{
	char *copy, *line, *next;
	int rc = PAM_SUCCESS;
	unsigned lineno = 0;

	if (memchr(text, '\0', len) != NULL) {
		set_err(err, errlen, "configuration contains a NUL byte");
		return PAM_SERVICE_ERR;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
		return PAM_BUF_ERR;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line != NULL && rc == PAM_SUCCESS; line = next) {
		char *key, *value, *hash;
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		key = split_assignment(line, &value);
		if (key[0] == '\0') {
			if (value != NULL) {
				set_err(err, errlen, "line %u: missing key before \"=\"", lineno);
				rc = PAM_SERVICE_ERR;
			}
			continue;
		}
		if (strcmp(key, "conf") == 0 || strcmp(key, "enroll") == 0) {
			/* enroll makes a service one that enrols: the service file says so, never the
			 * configuration every service reads */
			set_err(err, errlen, "line %u: %s: only allowed as a module argument", lineno, key);
			rc = PAM_SERVICE_ERR;
			continue;
		}
		rc = options_set(o, key, value, err, errlen);
		if (rc == PAM_SERVICE_ERR && err != NULL) {
			char tmp[256];
			snprintf(tmp, sizeof(tmp), "line %u: %s", lineno, err);
			snprintf(err, errlen, "%s", tmp);
		}
	}
	wipe_free(copy, len + 1);
	return rc;
}

static bool url_is_https(const char *url)
{
	return ascii_ncasecmp(url, "https://", 8) == 0;
}

int options_validate(struct tmdb_options *o, char *err, size_t errlen)
{
	const char *url_keys[] = { "api_url", "approve_url", "approve_url_v4", "redirect_to" };
	const char *urls[] = { o->api_url, o->approve_url, o->approve_url_v4, o->redirect_to };

	/* a default never conflicts with what the administrator set: timeout grows to a larger
	 * connect_timeout, connect_timeout shrinks to a smaller timeout */
	if (o->timeout == 0)
		o->timeout = o->connect_timeout > DEFAULT_TIMEOUT ? o->connect_timeout : DEFAULT_TIMEOUT;
	if (o->connect_timeout == 0)
		o->connect_timeout = o->timeout < DEFAULT_CONNECT_TIMEOUT ? o->timeout : DEFAULT_CONNECT_TIMEOUT;

	/* v4's endpoints take only a Bearer token: the API key alone cannot run the flow */
	if (o->flow == FLOW_V4 && o->access_token == NULL) {
		set_err(err, errlen, "access_token: missing (flow=v4 needs the API read access token)");
		return PAM_SERVICE_ERR;
	}
	if (o->api_key == NULL && o->access_token == NULL && o->api_key_file == NULL) {
		set_err(err, errlen, "api_key: missing (set api_key, api_key_file or access_token)");
		return PAM_SERVICE_ERR;
	}
	if (o->api_key != NULL && o->api_key_file != NULL) {
		set_err(err, errlen, "api_key_file: conflicts with api_key (set only one)");
		return PAM_SERVICE_ERR;
	}
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		if (urls[i] != NULL && !url_is_https(urls[i]) && !o->allow_http) {
			set_err(err, errlen, "%s: http:// URL without allow_http=yes", url_keys[i]);
			return PAM_SERVICE_ERR;
		}
	}
#ifndef HAVE_QRENCODE
	if (o->qrcode) {
		set_err(err, errlen, "qrcode: this build has no QR code support (libqrencode)");
		return PAM_SERVICE_ERR;
	}
#endif
	if (o->connect_timeout > o->timeout) {
		set_err(err, errlen, "connect_timeout: larger than timeout (%ld; both were set)", o->timeout);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static int load_file(pam_handle_t *pamh, struct tmdb_options *o, const char *path, bool must_exist, bool *absent)
{
	char *text = NULL;
	size_t len = 0;
	mode_t mode = 0;
	const char *why = NULL;
	char err[320];
	int rc = safe_read_file(path, TMDB_CONF_MAX_BYTES, &text, &len, &mode, &why);

	*absent = rc == -ENOENT;
	if (rc == -ENOENT && !must_exist)
		return PAM_SUCCESS;
	if (rc == -ENOMEM)
		return PAM_BUF_ERR;
	if (rc == -EACCES && geteuid() != 0) {
		o->needs_helper = true; /* the secret is root's: the helper's business (helper_client.h) */
		return PAM_SERVICE_ERR;
	}
	if (rc != 0) {
		pam_syslog(pamh, LOG_ERR, "conf: cannot use %s: %s", path, why);
		return PAM_SERVICE_ERR;
	}
	err[0] = '\0';
	rc = options_parse_text(o, text, len, err, sizeof(err));
	wipe_free(text, len);
	if (rc == PAM_SERVICE_ERR)
		pam_syslog(pamh, LOG_ERR, "%s: %s", path, err);
	if (rc == PAM_SUCCESS && (o->api_key != NULL || o->access_token != NULL) && (mode & S_IRWXO) != 0) {
		pam_syslog(pamh, LOG_ERR, "conf: %s holds %s but others may access it (mode %04o; chmod o-rwx)", path,
			   o->api_key != NULL ? "api_key" : "access_token", (unsigned)mode);
		rc = PAM_SERVICE_ERR;
	}
	return rc;
}

/* The first line of api_key_file becomes api_key. */
static int load_api_key_file(pam_handle_t *pamh, struct tmdb_options *o)
{
	char *text = NULL, *nl;
	size_t len = 0;
	mode_t mode = 0;
	const char *why = NULL;
	char err[320];
	int rc = safe_read_file(o->api_key_file, 4096, &text, &len, &mode, &why);

	if (rc == -ENOMEM)
		return PAM_BUF_ERR;
	if (rc == -EACCES && geteuid() != 0) {
		o->needs_helper = true;
		return PAM_SERVICE_ERR;
	}
	if (rc != 0) {
		pam_syslog(pamh, LOG_ERR, "api_key_file: cannot use %s: %s", o->api_key_file, why);
		return PAM_SERVICE_ERR;
	}
	if ((mode & S_IRWXO) != 0) {
		pam_syslog(pamh, LOG_ERR, "api_key_file: %s is accessible by others (mode %04o; chmod o-rwx)",
			   o->api_key_file, (unsigned)mode);
		rc = PAM_SERVICE_ERR;
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		pam_syslog(pamh, LOG_ERR, "api_key_file: %s contains a NUL byte", o->api_key_file);
		rc = PAM_SERVICE_ERR;
		goto out;
	}
	nl = strpbrk(text, "\r\n");
	if (nl != NULL)
		*nl = '\0';
	err[0] = '\0';
	rc = options_set(o, "api_key", text, err, sizeof(err));
	if (rc == PAM_SERVICE_ERR)
		pam_syslog(pamh, LOG_ERR, "api_key_file: %s: first line is not a valid API key", o->api_key_file);
out:
	wipe_free(text, len);
	return rc;
}

/* The PAM service a log line names; tools that load the options without a PAM handle
 * (tmdbctl, the unit tests) have none. */
static const char *service_name(pam_handle_t *pamh)
{
	const void *service = NULL;
	if (pamh == NULL || pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || service == NULL)
		return "?";
	return service;
}

static int apply_arguments(pam_handle_t *pamh, struct tmdb_options *o, int argc, const char **argv)
{
	for (int i = 0; i < argc; i++) {
		char err[320];
		char *copy, *key, *value;
		int rc;

		if (strncmp(argv[i], "conf=", 5) == 0)
			continue;
		copy = strdup(argv[i]);
		if (copy == NULL)
			return PAM_BUF_ERR;
		key = split_assignment(copy, &value);
		if (options_is_secret(key)) {
			/* /etc/pam.d is world-readable: name the key, never the value */
			const char *service = service_name(pamh);
			pam_syslog(pamh, LOG_ERR, "module argument of service %.64s: %s is not allowed here (files in "
				   "/etc/pam.d are readable by everyone); put it in %s or api_key_file",
				   service, key, TMDB_DEFAULT_CONF);
			wipe_free_str(copy);
			return PAM_SERVICE_ERR;
		}
		/* arguments win over the file, the choice of credential included */
		if (strcmp(key, "api_key_file") == 0) {
			wipe_free_str(o->api_key);
			o->api_key = NULL;
		}
		err[0] = '\0';
		rc = options_set(o, key, value, err, sizeof(err));
		if (rc == PAM_SERVICE_ERR) {
			const char *service = service_name(pamh);
			pam_syslog(pamh, LOG_ERR, "module argument of service %.64s: %s", service, err);
		}
		wipe_free_str(copy);
		if (rc != PAM_SUCCESS)
			return rc;
	}
	return PAM_SUCCESS;
}

int options_load(pam_handle_t *pamh, int argc, const char **argv, struct tmdb_options *o)
{
	const char *conf = NULL, *path;
	const char *service;
	bool absent = false;
	char err[320];
	int rc = options_defaults(o);

	if (rc != PAM_SUCCESS)
		return rc;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0)
			conf = argv[i] + 5;
	}
	if (conf != NULL && conf[0] != '/') {
		pam_syslog(pamh, LOG_ERR, "conf: must be an absolute path (module argument conf=%.80s)", conf);
		rc = PAM_SERVICE_ERR;
		goto out;
	}
	path = conf != NULL ? conf : TMDB_DEFAULT_CONF;
	rc = load_file(pamh, o, path, conf != NULL, &absent);
	if (rc != PAM_SUCCESS)
		goto out;
	rc = apply_arguments(pamh, o, argc, argv);
	if (rc != PAM_SUCCESS)
		goto out;
	err[0] = '\0';
	rc = options_validate(o, err, sizeof(err));
	if (rc != PAM_SUCCESS) {
		/* name what was read, so that the administrator edits the right file (a build with
		 * another prefix, or a conf= argument, reads another one than expected) */
		service = service_name(pamh);
		pam_syslog(pamh, LOG_ERR, "configuration: %s; read %s%s and the module arguments of service %.64s", err,
			   path, absent ? " (which does not exist)" : "", service);
		goto out;
	}
	if (o->api_key_file != NULL)
		rc = load_api_key_file(pamh, o);
out:
	if (rc != PAM_SUCCESS)
		options_free(o);
	return rc;
}
