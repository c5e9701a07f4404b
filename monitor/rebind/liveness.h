/* SPDX-License-Identifier: MIT */
/* Is a server's parent process alive? A pidfd on the pid in its pid file, not kill(pid, 0). */
#ifndef CERTBIND_LIVENESS_H
#define CERTBIND_LIVENESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "policy/policy.h"

/*
 * A pidfd for the process named in the server's pid_file, or -1 when that cannot be told (no
 * file, no such process, no pidfds): the proofs then decide alone. *pid is the pid read (0
 * if none). A pid is trusted only when its process is the server (its executable is the
 * type's: nginx, apache2 or httpd, haproxy); otherwise -1, *pid 0, and one
 * event=server-pidfile-stale says so: an unrelated process is never waited on or signalled.
 * A zombie counts as exited: a dead parent may wait for PID 1 to reap it for seconds, and
 * kill(pid, 0) would call it alive.
 */
int live_open(const struct server_cfg *s, pid_t *pid);
/* Is the process pid an executable named like the server type's? (command: any) */
bool live_is_server(enum server_type t, const char *exe);
/* Has the process behind pidfd exited (or become a zombie)? Never blocks. */
bool live_exited(int pidfd);

#endif
