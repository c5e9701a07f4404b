/* SPDX-License-Identifier: MIT */
/* One step on a server — check, reload, start — run without blocking, and its verdict. */
#ifndef CERTBIND_SRVOP_H
#define CERTBIND_SRVOP_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/core/child.h"
#include "monitor/core/loop.h"
#include "monitor/rebind/mastercli.h"
#include "policy/policy.h"

/* The server a batch of sites is rendered for. */
struct server {
	const struct server_cfg *cfg;   /* never NULL (files-only sites get a stand-in) */
	/*
	 * Known to run what is on disk (certbind reloaded it since it started)? When not, and a
	 * site whose files did not change fails its proof, the job reloads and proves again:
	 * after a crash the files may be new while the server still runs the old ones.
	 */
	bool synced;
	unsigned check_ms;        /* how long its last check took (ms); 0: none yet */
};

struct srvop_result {
	bool ok;
	bool touched;          /* the server was asked (a reload may have reached it) */
	bool timed_out;
	char why[300];         /* (not ok) what the server or its command said */
	char line[256];        /* (not ok, a command) its first error line alone, or "" */
	char status[64];       /* (not ok) "exit status N", a signal, "timed out", or why alone */
};

typedef void (*srvop_done_fn)(void *arg, const struct srvop_result *r);

struct srvop {
	struct loop *L;
	const struct server *srv;
	struct child child;
	struct mcli cli;
	struct timer tick;
	int step;                  /* the driver's own */
	unsigned base;             /* the driver's own (HAProxy: reloads before ours) */
	uint64_t deadline;
	unsigned timeout_ms;       /* a command's deadline: reload_timeout_ms, or more (scale) */
	struct srvop_result res;
	srvop_done_fn done;
	void *arg;
	srvop_done_fn outer_done;  /* a driver's step within a step: who to tell at the end */
	void *outer_arg;
	void *priv;                /* the driver's own (freed by srvop_stop) */
	int aux_fd;                /* the driver's own (closed by srvop_stop), or -1 */
};


void srvop_init(struct srvop *op, struct loop *L, const struct server *srv, srvop_done_fn done,
		void *arg);
/*
 * A large configuration takes long to parse, and the reload parses it again: a reload gets
 * at least SRVOP_CHECK_MULTIPLE times what the server's check just took (check_ms), never
 * less than reload_timeout_ms.
 */
#define SRVOP_CHECK_MULTIPLE 4
void srvop_scale(struct srvop *op, unsigned check_ms);
/*
 * A check's deadline: a multiple of the server's last check (last_ms), or, before any, of
 * SRVOP_FIRST_CHECK_MS_PER_SITE for each of its sites (nginx parses a TLS server block in
 * about 1.6 ms: 10,000 sites get 80 s, not reload_timeout_ms's 10 s).
 */
#define SRVOP_FIRST_CHECK_MS_PER_SITE 2
void srvop_scale_check(struct srvop *op, unsigned last_ms);
/* Runs argv as the step `what` ("check", "reload", "start"); 0, or -errno (done not called). */
int srvop_argv(struct srvop *op, char *const *argv, const char *what);
/* The step is over: done is told op->res (from the loop). */
void srvop_finish(struct srvop *op);
/* Stops what runs; done is not called. */
void srvop_stop(struct srvop *op);
/* The first line of a checker's output that reports an error (not a notice or warning). */
const char *srvop_error_line(const char *output, char *buf, size_t len);

#endif
