/* SPDX-License-Identifier: BSD-3-Clause */
/* options.h — the module's configuration: built-in defaults, then the config file, then module
 * arguments, all through one parser; every value is validated, unknown keys are errors. */
#ifndef PAM_TMDB_OPTIONS_H
#define PAM_TMDB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_modules.h>

/* TMDB_SECURITYDIR: configure --with-securitydir, /etc/security unless told (config.h) */
#define TMDB_DEFAULT_CONF TMDB_SECURITYDIR "/pam_tmdb.conf"
#define TMDB_DEFAULT_USER_MAP TMDB_SECURITYDIR "/pam_tmdb.users"
#define TMDB_CONF_MAX_BYTES (64 * 1024)
#define TMDB_DEFAULT_MINIMUM_UID 1000
#ifndef TMDB_HELPER_PATH
#define TMDB_HELPER_PATH "/usr/libexec/pam_tmdb/pam_tmdb_helper"
#endif
#define TMDB_DEFAULT_STATE_DIR "/var/lib/pam_tmdb"

enum approval_mode { APPROVAL_PROMPT, APPROVAL_POLL };
enum account_match { MATCH_USER, MATCH_MAP, MATCH_ANY };
/* v3: request token approved, turned into a session; v4: a user access token approved, then
 * converted into a v3 session (tmdb_v4.h, flow_v4.h) */
enum auth_flow { FLOW_V3, FLOW_V4 };

struct tmdb_options {
	char *api_key;       /* secret */
	char *access_token;  /* secret */
	char *api_key_file;
	char *api_url;       /* no trailing slash */
	char *approve_url;
	char *approve_url_v4; /* flow=v4: the approval page, the request token appended */
	char *redirect_to;   /* also the host's accepted return address (return_to_in_use) */
	bool allow_return_to; /* may a host give a return address (TMDB_RETURN_TO, return_to.h)? */
	bool return_to_in_use; /* redirect_to is this login's return address: approval waits on its prompt */
	enum auth_flow flow;
	enum approval_mode approval;
	long max_prompts;
	long approval_timeout;
	long poll_interval;
	bool qrcode;
	enum account_match account_match;
	char *user_map;
	long minimum_uid;    /* known local users below this uid are out of scope */
	char *cache_dir;     /* normalised; NULL when caching is off (cache_dir=none) */
	bool reuse_session;
	bool export_env;
	bool conv_session;
	bool logout_on_close;
	char *state_dir;     /* normalised; NULL when the journal is off (state_dir=none) */
	char *cafile;
	char *capath;
	char *proxy;         /* the only proxy ever used; NULL: none */
	long timeout;        /* 0 until set: then it follows connect_timeout (options_validate) */
	long connect_timeout; /* 0 until set: then it follows timeout (options_validate) */
	long retries;
	long max_response;
	bool allow_http;
	char *user_agent;
	bool debug;
	bool self_enroll;    /* may users bind their own TMDb account (enrol.h)? */
	bool enroll;         /* module argument only: this service enrols (enrol.h), never signs in */
	/* hosts that run as an ordinary user (helper_client.h): the setgid helper's path, NULL
	 * for helper=no */
	char *helper;
	/* set by a failed options_load when the config file or api_key_file exists but this
	 * process may not read it (EACCES, effective uid not 0): the caller may then hand the
	 * work to the helper. Kept by options_free. */
	bool needs_helper;
};

/* Fills defaults, reads conf= (or the default file), applies arguments, validates, loads
 * api_key_file. Logs every problem with the key's name. PAM_SUCCESS, PAM_SERVICE_ERR or
 * PAM_BUF_ERR; on failure the struct is already freed. (The host's return address, which
 * replaces redirect_to for one login, is taken by the flow: flow.c.) */
int options_load(pam_handle_t *pamh, int argc, const char **argv, struct tmdb_options *o);

/* Wipes secrets and frees every string. */
void options_free(struct tmdb_options *o);

/* The pieces options_load is made of, for unit tests and the fuzzer. Each returns
 * PAM_SUCCESS, PAM_SERVICE_ERR (err says which key and why) or PAM_BUF_ERR. */
int options_defaults(struct tmdb_options *o);
int options_set(struct tmdb_options *o, const char *key, const char *value, char *err, size_t errlen);
int options_parse_text(struct tmdb_options *o, const char *text, size_t len, char *err, size_t errlen);
/* Gives the keys whose defaults follow other keys their values (timeout, connect_timeout),
 * then checks the keys against each other. */
int options_validate(struct tmdb_options *o, char *err, size_t errlen);
/* Is key a secret (api_key, access_token), refused as a module argument? */
bool options_is_secret(const char *key);

#endif
