/* SPDX-License-Identifier: MIT */
/* One conversation with HAProxy's master CLI: connect, send a command, read to EOF, in the loop. */
#ifndef CERTBIND_MASTERCLI_H
#define CERTBIND_MASTERCLI_H

#include <stddef.h>

#include "monitor/core/loop.h"

#define MCLI_OUT_MAX 65536

/* err: 0 (out holds the whole answer, NUL-terminated), or a negative errno (-ETIMEDOUT). */
typedef void (*mcli_done_fn)(void *arg, int err, const char *out);

struct mcli {
	struct loop *L;
	struct watcher w;
	struct timer deadline;
	const char *cmd;
	size_t sent;
	char *out;
	size_t len;
	mcli_done_fn done;
	void *arg;
};

/*
 * Starts the conversation; done is called once, from the loop (never from inside mcli_start),
 * unless mcli_stop comes first. Returns 0, or a negative errno when it cannot even start.
 */
int mcli_start(struct loop *L, struct mcli *c, const char *path, const char *cmd,
	       unsigned timeout_ms, mcli_done_fn done, void *arg);
void mcli_stop(struct mcli *c);

#endif
