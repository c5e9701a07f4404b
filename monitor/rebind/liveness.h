/* SPDX-License-Identifier: MIT */
/* Is a server's parent process alive? A pidfd on the pid in its pid file, not kill(pid, 0). */
#ifndef CERTBIND_LIVENESS_H
#define CERTBIND_LIVENESS_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * A pidfd for the process named in pid_file, or -1 when that cannot be told (no file, no such
 * process, no pidfds): the proofs then decide alone. *pid is the pid read (0 if none).
 * A zombie counts as exited: a dead parent may wait for PID 1 to reap it for seconds, and
 * kill(pid, 0) would call it alive.
 */
int live_open(const char *pid_file, pid_t *pid);
/* Has the process behind pidfd exited (or become a zombie)? Never blocks. */
bool live_exited(int pidfd);

#endif
