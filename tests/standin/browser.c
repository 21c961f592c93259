/* SPDX-License-Identifier: BSD-3-Clause */
/* browser.c: the approval pages, as TMDb's site has them. v3:
 * /authenticate/<token>[?redirect_to=URL]; v4: /auth/access?request_token=<token>
 * (its redirect_to is the one given when the token was made). A GET shows the
 * sign-in form (signin.c) until the browser is signed in, then the signed-in
 * account with an Approve and a Deny form, which POST back to the same page.
 * A decision with a redirect_to sends the browser there with
 * request_token=<token>&approved=true (or denied=true) added, as TMDb does.
 *
 * The stand-in's older GET shortcuts stay as they were, for the test host and
 * the tests that approve without a browser: /authenticate/<token>/allow?user=NAME
 * and /deny, /auth/access/allow?request_token=<token>&user=NAME and /deny;
 * every page lists them. A page of one version never acts on a token of the
 * other. */
#include "config.h"

#include "browser.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "signin.h"
#include "urlform.h"

#define PREFIX "/authenticate/"
#define V4_PAGE "/auth/access"
#define ASK_TITLE "Approve access to your TMDb account"
#define BAD_TOKEN "Invalid or expired request token."

bool browser_path(const char *path)
{
	return strncmp(path, PREFIX, strlen(PREFIX)) == 0 || strcmp(path, V4_PAGE) == 0 ||
	       strncmp(path, V4_PAGE "/", strlen(V4_PAGE "/")) == 0 || signin_path(path);
}

static void not_found(struct reply *r, const char *what)
{
	html_message(r, MHD_HTTP_NOT_FOUND, "Not found", what);
}

/* The page itself, as a stand-in-relative URL: where its forms post and where
 * sign-in returns. Rebuilt from the decoded values, so it is always plain ASCII. */
static void self_url(struct buf *out, bool v4, const char *token, const char *redirect)
{
	if (v4) {
		buf_adds(out, V4_PAGE "?request_token=");
		urlform_add_encoded(out, token);
		return;
	}
	buf_adds(out, PREFIX);
	urlform_add_encoded(out, token);
	if (redirect != NULL) {
		buf_adds(out, "?redirect_to=");
		urlform_add_encoded(out, redirect);
	}
}

/* A link to a shortcut on token: v3 puts the token in the path, v4 in the query. */
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

static void shortcuts(struct request *rq, struct reply *r, bool v4, const char *token)
{
	const struct state *st = &rq->si->state;
	size_t i;

	buf_adds(&r->body, "<section id=\"standin-shortcuts\">\n<h2>Stand-in shortcuts "
		 "(no sign-in)</h2>\n<ul>\n");
	for (i = 0; i < st->naccounts; i++) {
		buf_adds(&r->body, "<li>");
		action_link(r, v4, token, "allow", st->accounts[i].username);
		buf_adds(&r->body, "Allow as ");
		buf_html(&r->body, st->accounts[i].username);
		buf_adds(&r->body, "</a></li>\n");
	}
	buf_adds(&r->body, "</ul>\n<p>");
	action_link(r, v4, token, "deny", NULL);
	buf_adds(&r->body, "Deny</a></p>\n</section>\n");
}

static void decision_form(struct reply *r, const char *self, const char *decision, const char *label)
{
	buf_adds(&r->body, "<form method=\"post\" action=\"");
	buf_html(&r->body, self);
	buf_printf(&r->body, "\">\n<input type=\"hidden\" name=\"decision\" value=\"%s\">\n"
		   "<button id=\"%s\" type=\"submit\">%s</button>\n</form>\n", decision, decision, label);
}

/* GET of a pending token's page: sign in first, then Approve or Deny. */
static void ask(struct request *rq, struct reply *r, bool v4, const char *token, const char *redirect)
{
	const struct account *a = signin_account(rq);
	struct buf self;

	buf_init(&self);
	self_url(&self, v4, token, redirect);
	html_start(r, MHD_HTTP_OK, ASK_TITLE);
	buf_adds(&r->body, "<p>An application asks to use your account.</p>\n");
	if (redirect != NULL && *redirect != '\0') {
		buf_adds(&r->body, "<p>After your answer you will be sent to <code id=\"redirect-to\">");
		buf_html(&r->body, redirect);
		buf_adds(&r->body, "</code>.</p>\n");
	}
	if (a == NULL) {
		buf_adds(&r->body, "<p>Sign in to answer.</p>\n");
		signin_form(r, self.data, NULL);
	} else {
		buf_adds(&r->body, "<p id=\"signed-in-as\">Signed in as <strong>");
		buf_html(&r->body, a->username);
		buf_adds(&r->body, "</strong>.</p>\n");
		decision_form(r, self.data, "approve", "Approve");
		decision_form(r, self.data, "deny", "Deny");
	}
	shortcuts(rq, r, v4, token);
	html_end(r);
	buf_free(&self);
}

static void outcome_page(struct reply *r, bool approved, const char *redirect)
{
	if (!approved) {
		html_message(r, MHD_HTTP_OK, "Denied", "The request token has been denied.");
		return;
	}
	html_start(r, MHD_HTTP_OK, "Approved");
	buf_adds(&r->body, "<p>The request token has been approved. "
		 "You may return to the application.</p>\n");
	if (redirect != NULL && *redirect != '\0') {
		buf_adds(&r->body, "<p><a href=\"");
		buf_html(&r->body, redirect);
		buf_adds(&r->body, "\">Continue</a></p>\n");
	}
	html_end(r);
}

/* A redirect_to the stand-in will send a browser to: an http(s) URL made only of the
 * characters RFC 3986 allows in a URL, so it can be neither a script URL nor break the
 * Location header or the markup around it. */
static bool redirect_ok(const char *url)
{
	const char *p;

	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return false;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("\"<>\\^`{|}", *p) != NULL)
			return false;
	return true;
}

/* 302 to redirect with request_token=<token>&approved=true (or denied=true) added to its
 * query, before any #fragment, as TMDb sends the browser back. */
static void redirect_with_outcome(struct reply *r, const char *redirect, const char *token, bool approved)
{
	const char *hash = strchr(redirect, '#');
	size_t base = hash != NULL ? (size_t)(hash - redirect) : strlen(redirect);
	struct buf loc;

	buf_init(&loc);
	buf_add(&loc, redirect, base);
	if (memchr(redirect, '?', base) == NULL)
		buf_adds(&loc, "?");
	else if (base > 0 && redirect[base - 1] != '?' && redirect[base - 1] != '&')
		buf_adds(&loc, "&");
	buf_adds(&loc, "request_token=");
	urlform_add_encoded(&loc, token);
	buf_adds(&loc, approved ? "&approved=true" : "&denied=true");
	if (hash != NULL)
		buf_adds(&loc, hash);
	html_start(r, MHD_HTTP_FOUND, approved ? "Approved" : "Denied");
	buf_adds(&r->body, "<p><a href=\"");
	buf_html(&r->body, loc.data);
	buf_adds(&r->body, "\">Continue</a></p>\n");
	html_end(r);
	reply_header(r, MHD_HTTP_HEADER_LOCATION, loc.data);
	buf_free(&loc);
}

/* POST of the page: the signed-in account's decision on token. */
static void decide(struct request *rq, struct reply *r, const char *token, const char *redirect)
{
	struct state *st = &rq->si->state;
	const struct account *a = signin_account(rq);
	char *decision = urlform_field(rq->body_too_big ? NULL : rq->body.data, rq->body.len, "decision");
	bool approve = decision != NULL && strcmp(decision, "approve") == 0;
	bool has_redirect = redirect != NULL && *redirect != '\0';
	enum state_rc rc;

	if (a == NULL) {
		html_log_refusal(rq->si, "decision refused: the browser is not signed in");
		html_message(r, MHD_HTTP_FORBIDDEN, "Not signed in", "Sign in before you answer.");
	} else if (!approve && (decision == NULL || strcmp(decision, "deny") != 0)) {
		html_log_refusal(rq->si, "decision refused: decision is neither approve nor deny");
		html_message(r, MHD_HTTP_BAD_REQUEST, "Bad request", "Approve or deny.");
	} else if (has_redirect && !redirect_ok(redirect)) {
		/* Refused before acting, so the token is left as it was. */
		html_log_refusal(rq->si, "decision refused: redirect_to is not an http(s) URL");
		html_message(r, MHD_HTTP_BAD_REQUEST, "Bad request",
			     "The redirect_to address is not an http or https URL.");
	} else {
		rc = approve ? state_approve(st, token, a->username) : state_deny(st, token);
		if (rc != ST_OK)
			not_found(r, BAD_TOKEN);
		else if (has_redirect)
			redirect_with_outcome(r, redirect, token, approve);
		else
			outcome_page(r, approve, NULL);
	}
	free(decision);
}

/* The page or shortcut for token; redirect (may be NULL) is where a decision goes. */
static void act(struct request *rq, struct reply *r, bool v4, const char *token, const char *action,
		const char *redirect)
{
	struct state *st = &rq->si->state;
	bool post = strcmp(rq->method, "POST") == 0;

	if (!post && strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
		not_found(r, "No such page.");
	} else if (state_token_version(st, token) != (v4 ? 4 : 3)) {
		not_found(r, BAD_TOKEN);
	} else if (*action == '\0' && post) {
		decide(rq, r, token, redirect);
	} else if (*action == '\0') {
		if (state_token_pending(st, token))
			ask(rq, r, v4, token, redirect);
		else
			not_found(r, BAD_TOKEN);
	} else if (strcmp(action, "allow") == 0) {
		switch (state_approve(st, token, req_arg(rq, "user"))) {
		case ST_OK:
			outcome_page(r, true, redirect);
			break;
		case ST_NO_USER:
			not_found(r, "Unknown user.");
			break;
		default:
			not_found(r, BAD_TOKEN);
			break;
		}
	} else if (strcmp(action, "deny") == 0) {
		if (state_deny(st, token) == ST_OK)
			outcome_page(r, false, NULL);
		else
			not_found(r, BAD_TOKEN);
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
		not_found(r, BAD_TOKEN);
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

	if (signin_path(rq->path)) {
		signin_handle(rq, r);
		return;
	}
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
