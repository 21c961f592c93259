/* SPDX-License-Identifier: BSD-3-Clause */
/* control.h: the test-control API under /_standin/ (no auth, not counted
 * as API traffic): faults, reset, revoke/approve, stats and request log. */
#ifndef STANDIN_CONTROL_H
#define STANDIN_CONTROL_H

#include <stdbool.h>

#include "reply.h"
#include "request.h"

bool control_path(const char *path);
void control_handle(struct request *rq, struct reply *r);

#endif
