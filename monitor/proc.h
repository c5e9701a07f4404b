/* SPDX-License-Identifier: MIT */
/* Child processes: fork + execve (no shell), own process group, pidfd, bounded output. */
#ifndef CERTBIND_PROC_H
#define CERTBIND_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CHILD_OUTPUT_MAX 2048

struct child {
	pid_t pid;
	int pidfd;           /* readable when the child exits; -1 without pidfds (SIGCHLD) */
	int outfd;           /* its stdout+stderr; -1 once closed */
	char out[CHILD_OUTPUT_MAX];
	size_t outlen;
	bool truncated;
};

/*
 * Runs argv[0] with argv and envp (NULL: a fixed minimal environment), stdin from
 * /dev/null, stdout and stderr into a pipe, in its own process group, with every other
 * fd closed. Returns 0 or -errno.
 */
int child_spawn(char *const argv[], char *const envp[], struct child *c);
/* Reads pending output, keeping the first CHILD_OUTPUT_MAX bytes. 1 at EOF, else 0. */
int child_read_output(struct child *c);
/* Reaps the child once its pidfd is readable: 0 and its wait status, or -1 (not yet). */
int child_reap(struct child *c, int *status);
/* Kills the child's whole process group. */
void child_kill(struct child *c);
void child_close(struct child *c);
/* "exit status 3", "killed by signal 9" */
const char *child_status_str(int status, char *buf, size_t len);
/* The captured output's first line, for logs. */
const char *child_output_line(struct child *c);

#endif
