/* SPDX-License-Identifier: BSD-3-Clause */
/* browser.h: the pages a user's browser sees, HTML, no API key: the approval
 * page /authenticate/<token> (v4: /auth/access?request_token=<token>) with
 * sign-in (/login), Approve and Deny, and the GET shortcuts
 * /authenticate/<token>/allow?user=NAME and /deny. */
#ifndef STANDIN_BROWSER_H
#define STANDIN_BROWSER_H

#include <stdbool.h>

#include "reply.h"
#include "request.h"

bool browser_path(const char *path);
void browser_handle(struct request *rq, struct reply *r);

#endif
