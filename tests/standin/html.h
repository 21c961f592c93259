/* SPDX-License-Identifier: BSD-3-Clause */
/* html.h: framing shared by the browser-facing pages (approval pages and
 * sign-in): an HTML document around a title, a one-paragraph message page,
 * and the log line for refused browser input. */
#ifndef STANDIN_HTML_H
#define STANDIN_HTML_H

#include "reply.h"
#include "standin.h"

/* Replaces r's body by the start of a page (doctype, head, <h1>title</h1>). */
void html_start(struct reply *r, unsigned status, const char *title);
void html_end(struct reply *r);
/* A whole page: title and one paragraph of text (both escaped). */
void html_message(struct reply *r, unsigned status, const char *title, const char *text);
/* "tmdb-standin: browser: WHY" on stderr unless --quiet. why is a fixed text:
 * never pass request data (it could carry terminal escapes). */
void html_log_refusal(const struct standin *si, const char *why);

#endif
