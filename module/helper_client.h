/* SPDX-License-Identifier: BSD-3-Clause */
/* helper_client.h — the module's side of pam_tmdb_helper, for hosts that run as an ordinary
 * user (a screen locker, tmdb-login run by a user, an application under its own account). Such
 * a host may not read the API key; when options_load says so (needs_helper: EACCES with an
 * effective uid other than 0), each entry point hands its work to the setgid helper, started
 * with an empty environment and only its socket open (helper_proto.h), relays every
 * conversation message between the helper and the host, and hands over what the helper
 * returns exactly as the module does in process (session.h). Only the keys that shape what the
 * user sees are taken from module arguments on this path (helper_arg_allowed); any other key is
 * a configuration error naming it. helper=no turns the path off (PAM_SERVICE_ERR, logged). */
#ifndef PAM_TMDB_HELPER_CLIENT_H
#define PAM_TMDB_HELPER_CLIENT_H

#include <stdbool.h>

#include <security/pam_modules.h>

/* Is key (a module argument's name) one the helper takes from the caller: approval,
 * max_prompts, approval_timeout, poll_interval, qrcode, export_env, conv_session, debug? */
bool helper_arg_allowed(const char *key);

/* pam_sm_authenticate through the helper: the helper's code (its refusal message included),
 * or PAM_SERVICE_ERR / PAM_BUF_ERR / the code of pam_get_user when it cannot be asked (then
 * the refusal is told here). After a session was handed over the helper waits for the
 * login's outcome (helper_proto.h): kept in module data with its socket, told at
 * open_session or pam_end, and reaped then (helper_client.c, the guard). */
int helper_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv);

/* pam_sm_acct_mgmt through the helper: this login's session (module data, else the PAM
 * environment) is checked by the helper. */
int helper_account(pam_handle_t *pamh, int flags, int argc, const char **argv);

/* setcred and open_session: the session this login holds is exported again, as the helper's
 * export_env said at authenticate; nothing known is PAM_SUCCESS. No helper is started. */
int helper_reexport(pam_handle_t *pamh, int flags, int argc, const char **argv);

/* open_session: as helper_reexport, then tells the helper that authenticated, which still
 * waits, CLAIM: the journal record it wrote at authenticate, with this process as its holder
 * (pam_tmdb(8) "SESSION JOURNAL"), stays; if this host dies before close_session, the session
 * is an orphan and is revoked. No helper is started; a failure is logged, never fatal. */
int helper_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv);

/* close_session: the helper ends this login's session on the server (logout_on_close);
 * failures are logged and never block the logout. */
void helper_logout(pam_handle_t *pamh, int flags, int argc, const char **argv);

#endif
