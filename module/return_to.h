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

#endif
