/* SPDX-License-Identifier: BSD-3-Clause */
/* run_command.h — --exec: the command that uses the session. */
#ifndef TMDB_LOGIN_RUN_COMMAND_H
#define TMDB_LOGIN_RUN_COMMAND_H

/* Runs argv (searched in PATH) with the environment envp, forwards SIGINT, SIGTERM and SIGHUP
 * sent to tmdb-login, and waits for it. Returns its exit status, 128+N when signal N ended it,
 * 127 when it was not found and 126 when it could not be run. */
int run_command(char *const argv[], char *const envp[]);

#endif
