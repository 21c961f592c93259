/* browser.h: the approval pages a user's browser sees under
 * /authenticate/<token>[/allow?user=NAME | /deny]. No API key needed. */
#ifndef STANDIN_BROWSER_H
#define STANDIN_BROWSER_H

#include <stdbool.h>

#include "reply.h"
#include "request.h"

bool browser_path(const char *path);
void browser_handle(struct request *rq, struct reply *r);

#endif
