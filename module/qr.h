/* SPDX-License-Identifier: BSD-3-Clause */
/* qr.h — a QR code of a URL as terminal text (UTF-8 half blocks, two modules per character
 * row, with the quiet zone), for users who approve on a phone. */
#ifndef PAM_TMDB_QR_H
#define PAM_TMDB_QR_H

/* A fresh string (free()), or NULL when out of memory, the text is too long, or the build
 * has no libqrencode. */
char *qr_render(const char *text);

#endif
