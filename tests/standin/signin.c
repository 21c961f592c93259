/* SPDX-License-Identifier: BSD-3-Clause */
/* signin.c: browser sign-in for the approval pages, as TMDb's site has it.
 * A sign-in is a random cookie value mapped to an account. The table lives
 * here, process-wide, rather than in struct state: it is browser state, not
 * TMDb API state, so /_standin/reset leaves it alone like the accounts. It is
 * a fixed ring of SIGNIN_SLOTS entries (the oldest sign-in is forgotten), so
 * it needs no freeing and cannot grow. */
#include "config.h"

#include "signin.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "urlform.h"
#include "util.h"

#define SIGNIN_HEX 40
#define SIGNIN_SLOTS 256
#define NEXT_MAX 2048

static struct {
	char key[SIGNIN_HEX + 1];
	const struct account *account;   /* accounts are immutable while the server runs */
} slots[SIGNIN_SLOTS];
static size_t next_slot;
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;

bool signin_path(const char *path)
{
	return strcmp(path, SIGNIN_PATH) == 0;
}

/* A new sign-in for a; writes its cookie value into key. Returns 0 or -1. */
static int remember(const struct account *a, char key[SIGNIN_HEX + 1])
{
	if (random_hex(key, SIGNIN_HEX) != 0)
		return -1;
	pthread_mutex_lock(&slots_mu);
	memcpy(slots[next_slot].key, key, SIGNIN_HEX + 1);
	slots[next_slot].account = a;
	next_slot = (next_slot + 1) % SIGNIN_SLOTS;
	pthread_mutex_unlock(&slots_mu);
	return 0;
}

const struct account *signin_account(const struct request *rq)
{
	const char *key = MHD_lookup_connection_value(rq->mhd, MHD_COOKIE_KIND, SIGNIN_COOKIE);
	const struct account *a = NULL;
	size_t i;

	if (key == NULL || strlen(key) != SIGNIN_HEX)
		return NULL;
	pthread_mutex_lock(&slots_mu);
	for (i = 0; i < SIGNIN_SLOTS; i++) {
		if (slots[i].account != NULL && strcmp(slots[i].key, key) == 0) {
			a = slots[i].account;
			break;
		}
	}
	pthread_mutex_unlock(&slots_mu);
	return a;
}

bool signin_next_ok(const char *next)
{
	size_t i;

	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return false;
	for (i = 0; next[i] != '\0'; i++) {
		unsigned char c = (unsigned char)next[i];

		if (i >= NEXT_MAX || c <= 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	return true;
}

void signin_form(struct reply *r, const char *next, const char *error)
{
	if (error != NULL) {
		buf_adds(&r->body, "<p id=\"error\" class=\"error\">");
		buf_html(&r->body, error);
		buf_adds(&r->body, "</p>\n");
	}
	buf_adds(&r->body, "<form id=\"signin-form\" method=\"post\" action=\"" SIGNIN_PATH "\">\n"
		 "<input type=\"hidden\" name=\"next\" value=\"");
	buf_html(&r->body, next);
	buf_adds(&r->body, "\">\n"
		 "<p><label>Username <input id=\"username\" name=\"username\" autocomplete=\"username\"></label></p>\n"
		 "<p><label>Password <input id=\"password\" name=\"password\" type=\"password\" "
		 "autocomplete=\"current-password\"></label></p>\n"
		 "<p><button id=\"signin\" type=\"submit\">Sign in</button></p>\n</form>\n");
}

static void form_page(struct reply *r, const char *next, const char *error)
{
	html_start(r, MHD_HTTP_OK, "Sign in to TMDb");
	signin_form(r, next, error);
	html_end(r);
}

/* 303 back to next with the sign-in cookie; Secure over TLS, as a browser then insists. */
static void signed_in(struct request *rq, struct reply *r, const struct account *a, const char *next)
{
	char key[SIGNIN_HEX + 1];
	struct buf cookie;

	if (remember(a, key) != 0) {
		html_message(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "Error", "Cannot make a sign-in.");
		return;
	}
	buf_init(&cookie);
	buf_printf(&cookie, SIGNIN_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax%s", key,
		   rq->si->tls ? "; Secure" : "");
	html_start(r, MHD_HTTP_SEE_OTHER, "Signed in");
	buf_adds(&r->body, "<p><a href=\"");
	buf_html(&r->body, next);
	buf_adds(&r->body, "\">Continue</a></p>\n");
	html_end(r);
	reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie.data);
	reply_header(r, MHD_HTTP_HEADER_LOCATION, next);
	buf_free(&cookie);
}

static void login_post(struct request *rq, struct reply *r)
{
	const char *body = rq->body_too_big ? NULL : rq->body.data;
	char *next = urlform_field(body, rq->body.len, "next");
	char *user = urlform_field(body, rq->body.len, "username");
	char *pass = urlform_field(body, rq->body.len, "password");
	const struct account *a = state_find_account(&rq->si->state, user);

	if (!signin_next_ok(next)) {
		/* Never send a browser to a place the request named: only to our own pages. */
		html_log_refusal(rq->si, "/login refused: next is not a path on this server");
		html_message(r, MHD_HTTP_BAD_REQUEST, "Bad request",
			     "The page to return to must be a path on this server.");
	} else if (a == NULL || a->password == NULL || pass == NULL ||
		   strcmp(a->password, pass) != 0) {
		html_log_refusal(rq->si, "/login: wrong username or password");
		form_page(r, next, "Wrong username or password.");
	} else {
		signed_in(rq, r, a, next);
	}
	free(next);
	free(user);
	free(pass);
}

void signin_handle(struct request *rq, struct reply *r)
{
	const char *next = req_arg(rq, "next");

	if (strcmp(rq->method, "POST") == 0) {
		login_post(rq, r);
	} else if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
		html_message(r, MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed", "Use GET or POST.");
		reply_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
	} else if (!signin_next_ok(next)) {
		html_log_refusal(rq->si, "/login refused: next is not a path on this server");
		html_message(r, MHD_HTTP_BAD_REQUEST, "Bad request",
			     "The page to return to must be a path on this server.");
	} else {
		form_page(r, next, NULL);
	}
}
