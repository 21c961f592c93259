/* SPDX-License-Identifier: BSD-3-Clause */
/* return_to.h — the return-address protocol between pam_tmdb and an application host such as
 * tmdb-login. Only constants live here, so that the module and the host read one definition.
 *
 * A host that listens on loopback for the browser coming back puts
 *     TMDB_RETURN_TO=http://127.0.0.1:PORT/PATH   (or http://[::1]:PORT/PATH)
 * into the PAM environment (pam_putenv) before pam_authenticate. With the administrator's
 * consent (allow_return_to=yes) the module sends it to TMDb as redirect_to and then waits in
 * prompt style with TMDB_RETURN_PROMPT: the host answers "" when the browser came back approved,
 * when the user pressed Enter, or on its own poll timer; it answers TMDB_RETURN_DENIED when the
 * browser came back denied. The module still asks TMDb whether the token is approved, so an
 * answer can never approve anything; it only says when to ask. */
#ifndef PAM_TMDB_RETURN_TO_H
#define PAM_TMDB_RETURN_TO_H

#include <stdbool.h>

/* the PAM environment variable the host sets; the module removes it once read */
#define TMDB_RETURN_TO_ENV "TMDB_RETURN_TO"

/* the prompt the module sends (PAM_PROMPT_ECHO_ON) while a return address is in effect; a host
 * that sees any other prompt must answer only for the user (no timer answers) */
#define TMDB_RETURN_PROMPT "Waiting for your approval in the browser (or press Enter once you have approved it): "

/* the answer that says the browser came back denied: the login ends as denied at once */
#define TMDB_RETURN_DENIED "denied"

/* the module asks TMDb at most once per this many milliseconds while a return address is in
 * effect, however fast the host answers */
#define TMDB_RETURN_MIN_GAP_MS 1000

/* The module's side (return_to.c; a host needs only the constants above). pam_handle_t is
 * struct pam_handle in every libpam, so this header needs no PAM header of its own. */
struct pam_handle;

/* the longest return address taken, in bytes */
#define RETURN_TO_MAX 256

/* Is value a return address: exactly http://127.0.0.1:PORT or http://[::1]:PORT (PORT decimal
 * 1..65535 without leading zeros), then nothing or a path of [A-Za-z0-9._~/-] that starts
 * with '/', RETURN_TO_MAX bytes at most? true with *port set; false with *why (a static
 * phrase naming what is wrong). */
bool return_to_check(const char *value, long *port, const char **why);

/* Takes TMDB_RETURN_TO_ENV out of the PAM environment (pam_getenv only: never the process
 * environment, which a setuid caller chooses) and removes it there, whatever comes of it.
 * PAM_SUCCESS with *value a fresh copy (free()) or NULL when it was not set; PAM_BUF_ERR. */
int return_to_take(struct pam_handle *pamh, char **value);

/* Decides on a value return_to_take gave (NULL: nothing to do). Not allowed: ignored with one
 * LOG_NOTICE line. Allowed and a return address: PAM_SUCCESS with *address = value (owned by
 * the caller from then on) and one LOG_INFO line naming the port. Else LOG_ERR naming why
 * (the value sanitised and capped) and PAM_SERVICE_ERR. value is freed unless handed back. */
int return_to_accept(struct pam_handle *pamh, bool allowed, char *value, char **address);

#endif
