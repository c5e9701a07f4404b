/* SPDX-License-Identifier: MIT */
/* Supervised children: every command certbind runs (reload, check, alert, issue) goes here. */
#ifndef CERTBIND_CHILD_H
#define CERTBIND_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "monitor/core/loop.h"

#define CHILD_OUTPUT_MAX 2048
#define CHILD_TAIL_MAX 1024

/* How a child ended, as told to its done callback. */
struct child_result {
	int status;              /* wait status */
	bool timed_out;          /* the deadline passed and the process group was killed */
	const char *output;      /* the first CHILD_OUTPUT_MAX bytes of stdout + stderr */
	bool truncated;          /* it printed more than that (the rest was read and dropped) */
	const char *tail;        /* its last CHILD_TAIL_MAX - 1 bytes at most: where a command
				  * that prints much says what went wrong */
};

typedef void (*child_done_fn)(void *arg, const struct child_result *r);

struct child {
	struct loop *L;
	pid_t pid;               /* 0 once reaped */
	int pidfd;               /* readable when the child exits; -1 without pidfds (SIGCHLD) */
	int outfd;               /* its stdout + stderr; -1 once closed */
	struct watcher w_pid, w_out;
	struct timer deadline;
	char out[CHILD_OUTPUT_MAX];
	size_t outlen;
	char tail[CHILD_TAIL_MAX];
	size_t taillen;
	bool truncated, timed_out, running;
	child_done_fn done;
	void *arg;
};

/*
 * Runs argv[0] with argv and envp (NULL: PATH and LANG only) without a shell: stdin from
 * /dev/null, stdout and stderr captured (bounded), its own process group, every other fd
 * closed, signal mask and dispositions reset. After timeout_ms the whole group is killed.
 * done is called once, from the loop, never from inside child_start. Returns 0, or -errno
 * when it could not be started (done is then never called).
 */
int child_start(struct loop *L, struct child *c, char *const argv[], char *const envp[],
		unsigned timeout_ms, child_done_fn done, void *arg);
/* Kills the group and reaps the child now; done is not called. Harmless when not running. */
void child_stop(struct child *c);
static inline bool child_running(const struct child *c) { return c->running; }

/* "exit status 3", "killed by signal 9" */
const char *child_status_str(int status, char *buf, size_t len);
/* Did it exit with status 0 (and in time)? */
bool child_ok(const struct child_result *r);
/* The output's first (or last) non-blank line, copied into buf ("" when there is none). */
/* child_result_last_line: the last line of everything it printed (its tail when cut). */
const char *child_result_last_line(const struct child_result *r, char *buf, size_t len);
const char *child_first_line(const char *output, char *buf, size_t len);
const char *child_last_line(const char *output, char *buf, size_t len);

#endif
