/* SPDX-License-Identifier: BSD-3-Clause */
/* html.c: HTML framing for the browser pages. Everything a caller passes as
 * text is escaped here; only the fixed markup is written raw. */
#include "config.h"

#include "html.h"

#include <stdio.h>

#define HTML_TYPE "text/html; charset=utf-8"

void html_start(struct reply *r, unsigned status, const char *title)
{
	r->status = status;
	r->body.len = 0;
	reply_content_type(r, HTML_TYPE);
	buf_adds(&r->body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	buf_html(&r->body, title);
	buf_adds(&r->body, "</title></head><body>\n<h1>");
	buf_html(&r->body, title);
	buf_adds(&r->body, "</h1>\n");
}

void html_end(struct reply *r)
{
	buf_adds(&r->body, "</body></html>\n");
}

void html_message(struct reply *r, unsigned status, const char *title, const char *text)
{
	html_start(r, status, title);
	buf_adds(&r->body, "<p>");
	buf_html(&r->body, text);
	buf_adds(&r->body, "</p>\n");
	html_end(r);
}

void html_log_refusal(const struct standin *si, const char *why)
{
	if (!si->quiet)
		fprintf(stderr, "tmdb-standin: browser: %s\n", why);
}
