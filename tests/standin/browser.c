/* browser.c: HTML approval pages. v3: /authenticate/<token>[/allow|/deny];
 * query strings such as ?redirect_to= are tolerated (and the target is
 * offered as a link once approved). v4: /auth/access[/allow|/deny] with
 * ?request_token=<token>, as TMDb's page; the redirect_to given when the
 * token was made is offered once approved. A page of one version never acts
 * on a token of the other. */
#include "config.h"

#include "browser.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX "/authenticate/"
#define V4_PAGE "/auth/access"
#define HTML_TYPE "text/html; charset=utf-8"

bool browser_path(const char *path)
{
	return strncmp(path, PREFIX, strlen(PREFIX)) == 0 || strcmp(path, V4_PAGE) == 0 ||
	       strncmp(path, V4_PAGE "/", strlen(V4_PAGE "/")) == 0;
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

/* A link to an action on token: v3 puts the token in the path, v4 in the query. */
static void action_link(struct reply *r, bool v4, const char *token, const char *action, const char *user)
{
	buf_adds(&r->body, "<a href=\"");
	if (v4) {
		buf_adds(&r->body, V4_PAGE "/");
		buf_adds(&r->body, action);
		buf_adds(&r->body, "?request_token=");
		buf_html(&r->body, token);
		if (user != NULL)
			buf_adds(&r->body, "&amp;user=");
	} else {
		buf_adds(&r->body, PREFIX);
		buf_html(&r->body, token);
		buf_adds(&r->body, "/");
		buf_adds(&r->body, action);
		if (user != NULL)
			buf_adds(&r->body, "?user=");
	}
	if (user != NULL)
		buf_html(&r->body, user);
	buf_adds(&r->body, "\">");
}

static void ask(struct request *rq, struct reply *r, bool v4, const char *token)
{
	const struct state *st = &rq->si->state;
	size_t i;

	page(r, MHD_HTTP_OK, "Approve access to your TMDb account");
	buf_adds(&r->body, "<p>An application asks to use your account.</p>\n<ul>\n");
	for (i = 0; i < st->naccounts; i++) {
		buf_adds(&r->body, "<li>");
		action_link(r, v4, token, "allow", st->accounts[i].username);
		buf_adds(&r->body, "Allow as ");
		buf_html(&r->body, st->accounts[i].username);
		buf_adds(&r->body, "</a></li>\n");
	}
	buf_adds(&r->body, "</ul>\n<p>");
	action_link(r, v4, token, "deny", NULL);
	buf_adds(&r->body, "Deny</a></p>\n");
	page_end(r);
}

/* The page or action for token; redirect (may be NULL) is offered once approved. */
static void act(struct request *rq, struct reply *r, bool v4, const char *token, const char *action,
		const char *redirect)
{
	struct state *st = &rq->si->state;

	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0 &&
	    strcmp(rq->method, "POST") != 0) {
		not_found(r, "No such page.");
	} else if (state_token_version(st, token) != (v4 ? 4 : 3)) {
		not_found(r, "Invalid or expired request token.");
	} else if (*action == '\0') {
		if (state_token_pending(st, token))
			ask(rq, r, v4, token);
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
}

static void v4_handle(struct request *rq, struct reply *r)
{
	const char *action = rq->path + strlen(V4_PAGE);
	const char *token = req_arg(rq, "request_token");
	char *redirect;

	if (*action == '/')
		action++;
	if (token == NULL) {
		not_found(r, "Invalid or expired request token.");
		return;
	}
	redirect = state_token_redirect(&rq->si->state, token);
	act(rq, r, true, token, action, redirect);
	free(redirect);
}

void browser_handle(struct request *rq, struct reply *r)
{
	const char *rest = rq->path + strlen(PREFIX);
	const char *slash;
	char *token;

	if (strncmp(rq->path, PREFIX, strlen(PREFIX)) != 0) {
		v4_handle(rq, r);
		return;
	}
	slash = strchr(rest, '/');
	token = slash != NULL ? strndup(rest, (size_t)(slash - rest)) : strdup(rest);
	if (token == NULL) {
		not_found(r, "Out of memory.");
		return;
	}
	act(rq, r, false, token, slash != NULL ? slash + 1 : "", req_arg(rq, "redirect_to"));
	free(token);
}
