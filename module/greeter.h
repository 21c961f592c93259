/* SPDX-License-Identifier: BSD-3-Clause */
/* greeter.h — is the PAM host a graphical greeter? A greeter cannot carry a text QR code:
 * LightDM forwards each conversation call to its greeter in one message of at most 1024
 * bytes and wedges on more (the QR code of an 80-byte URL is 2375 bytes), and greeters draw
 * text in a proportional font, which breaks the code's columns anyway. */
#ifndef PAM_TMDB_GREETER_H
#define PAM_TMDB_GREETER_H

#include <stdbool.h>

#include <security/pam_modules.h>

/* True when the host said it draws on an X display: PAM_XDISPLAY set (LightDM, GDM), or
 * PAM_TTY an X display name such as ":0" or "host:10.0" (LightDM, GDM, XDM). *why then names
 * which (a constant). No PAM_TTY at all is not a greeter: that is pamtester, tmdb-login, su
 * or sudo without a terminal, whose text goes to a terminal or a program. */
bool greeter_host(pam_handle_t *pamh, const char **why);

/* Is text an X display name: [host]:display[.screen], digits after the colon? */
bool greeter_display_name(const char *text);

#endif
