/* SPDX-License-Identifier: BSD-3-Clause */
/* signin.h: who the browser is signed in as. POST /login checks an account's
 * password (the --account one) and sets a cookie naming a sign-in; the
 * approval pages ask signin_account() which account that is. */
#ifndef STANDIN_SIGNIN_H
#define STANDIN_SIGNIN_H

#include <stdbool.h>

#include "reply.h"
#include "request.h"
#include "state.h"

#define SIGNIN_PATH "/login"
#define SIGNIN_COOKIE "tmdb_standin_signin"

bool signin_path(const char *path);
/* GET /login?next=P: the form; POST /login (username, password, next): signs in and sends
 * the browser back to next (a stand-in-relative path only). */
void signin_handle(struct request *rq, struct reply *r);
/* The account the request's cookie is signed in as, or NULL. */
const struct account *signin_account(const struct request *rq);
/* Appends the sign-in form, which returns to next; error (may be NULL) is shown above it. */
void signin_form(struct reply *r, const char *next, const char *error);
/* True if next is a path on this server: "/..." but not "//host" nor "/\host", printable
 * ASCII only, so it can neither leave the stand-in nor break the Location header. */
bool signin_next_ok(const char *next);

#endif
