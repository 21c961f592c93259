/* browser.c: HTML approval pages. Query strings such as ?redirect_to=
 * are tolerated (and the target is offered as a link once approved). */
#include "config.h"

#include "browser.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX "/authenticate/"
#define HTML_TYPE "text/html; charset=utf-8"

bool browser_path(const char *path)
{
	return strncmp(path, PREFIX, strlen(PREFIX)) == 0;
}

static void page(struct reply *r, unsigned status, const char *title)
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

static void page_end(struct reply *r)
{
	buf_adds(&r->body, "</body></html>\n");
}

static void not_found(struct reply *r, const char *what)
{
	page(r, MHD_HTTP_NOT_FOUND, "Not found");
	buf_adds(&r->body, "<p>");
	buf_html(&r->body, what);
	buf_adds(&r->body, "</p>\n");
	page_end(r);
}

static void ask(struct request *rq, struct reply *r, const char *token)
{
	const struct state *st = &rq->si->state;
	size_t i;

	page(r, MHD_HTTP_OK, "Approve access to your TMDb account");
	buf_adds(&r->body, "<p>An application asks to use your account.</p>\n<ul>\n");
	for (i = 0; i < st->naccounts; i++) {
		buf_adds(&r->body, "<li><a href=\"" PREFIX);
		buf_html(&r->body, token);
		buf_adds(&r->body, "/allow?user=");
		buf_html(&r->body, st->accounts[i].username);
		buf_adds(&r->body, "\">Allow as ");
		buf_html(&r->body, st->accounts[i].username);
		buf_adds(&r->body, "</a></li>\n");
	}
	buf_adds(&r->body, "</ul>\n<p><a href=\"" PREFIX);
	buf_html(&r->body, token);
	buf_adds(&r->body, "/deny\">Deny</a></p>\n");
	page_end(r);
}

void browser_handle(struct request *rq, struct reply *r)
{
	struct state *st = &rq->si->state;
	const char *rest = rq->path + strlen(PREFIX);
	const char *slash = strchr(rest, '/');
	const char *action = slash != NULL ? slash + 1 : "";
	const char *redirect = req_arg(rq, "redirect_to");
	char *token = slash != NULL ? strndup(rest, (size_t)(slash - rest)) : strdup(rest);

	if (token == NULL) {
		not_found(r, "Out of memory.");
		return;
	}
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0 &&
	    strcmp(rq->method, "POST") != 0) {
		not_found(r, "No such page.");
	} else if (*action == '\0') {
		if (state_token_pending(st, token))
			ask(rq, r, token);
		else
			not_found(r, "Invalid or expired request token.");
	} else if (strcmp(action, "allow") == 0) {
		switch (state_approve(st, token, req_arg(rq, "user"))) {
		case ST_OK:
			page(r, MHD_HTTP_OK, "Approved");
			buf_adds(&r->body, "<p>The request token has been approved. "
				 "You may return to the application.</p>\n");
			if (redirect != NULL && *redirect != '\0') {
				buf_adds(&r->body, "<p><a href=\"");
				buf_html(&r->body, redirect);
				buf_adds(&r->body, "\">Continue</a></p>\n");
			}
			page_end(r);
			break;
		case ST_NO_USER:
			not_found(r, "Unknown user.");
			break;
		default:
			not_found(r, "Invalid or expired request token.");
			break;
		}
	} else if (strcmp(action, "deny") == 0) {
		if (state_deny(st, token) == ST_OK) {
			page(r, MHD_HTTP_OK, "Denied");
			buf_adds(&r->body, "<p>The request token has been denied.</p>\n");
			page_end(r);
		} else {
			not_found(r, "Invalid or expired request token.");
		}
	} else {
		not_found(r, "No such page.");
	}
	free(token);
}
