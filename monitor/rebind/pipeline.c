// SPDX-License-Identifier: MIT
/* One job per server: render all -> check -> one reload -> prove all -> restore the failed. */
#include "monitor/rebind/pipeline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "monitor/core/child.h"
#include "monitor/core/log.h"
#include "monitor/rebind/prove.h"
#include "monitor/rebind/targets.h"

enum job_phase { JP_CHECK, JP_RELOAD, JP_PROVE, JP_ROLLBACK, JP_DONE };

struct pipe_job {
	struct pipe_env env;
	const struct server *srv;
	const struct driver *drv;
	struct pipe_item *items;
	size_t n, active;          /* items still in play (not yet settled) */
	bool reload_ran;           /* the server may have taken the new files */
	bool reloaded;             /* a reload exited 0: the server runs what is on disk */
	uint64_t reload_start;
	unsigned reload_ms;
	bool proof_first;          /* nothing written: proving before any reload */
	enum job_phase phase;
	struct child child;
	struct prover prover;
	struct timer soon;         /* done is always told from the loop, never inline */
	struct timer proven;       /* every proof is in: the next step, outside the prover */
	pipe_done_fn done;
	void *arg;
};

static void finish(struct pipe_job *j);

/* The item is out: failed (it->reason says why) or decided. */
static void item_fail(struct pipe_job *j, struct pipe_item *it)
{
	it->outcome = PO_FAILED;
	j->active--;
}

/* Every item still in play fails for the same reason (the check or the reload failed). */
static void fail_active(struct pipe_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_active(struct pipe_job *j, const char *fmt, ...)
{
	char reason[sizeof(j->items[0].reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < j->n; i++)
		if (j->items[i].outcome == PO_PENDING) {
			memcpy(j->items[i].reason, reason, sizeof(reason));
			item_fail(j, &j->items[i]);
		}
}

static void report_done(void *arg)
{
	struct pipe_job *j = arg;
	struct pipe_report r = { .reloaded = j->reloaded, .reload_ms = j->reload_ms };

	for (size_t i = 0; i < j->n; i++)
		targets_free(&j->items[i]);
	j->done(j->arg, j->items, j->n, &r);
	free(j);
}

static void on_rollback_reload(void *arg, const struct child_result *r)
{
	struct pipe_job *j = arg;
	char st[64], tail[96] = "";

	if (child_ok(r))
		j->reloaded = true;
	if (r->timed_out)
		snprintf(tail, sizeof(tail), "; the rollback reload timed out too");
	else if (!child_ok(r))
		snprintf(tail, sizeof(tail), "; the rollback reload failed too (%s)",
			 child_status_str(r->status, st, sizeof(st)));
	for (size_t i = 0; tail[0] && i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		if (it->outcome == PO_FAILED && it->rolled_back)
			snprintf(it->reason + strlen(it->reason), sizeof(it->reason) - strlen(it->reason),
				 "%s", tail);
	}
	j->phase = JP_DONE;
	loop_arm(j->env.L, &j->soon, now_ms());
}

/* Every item is decided: restore the failed ones, and reload once more if the server saw them. */
static void finish(struct pipe_job *j)
{
	bool restored = false;
	char *const *argv = j->drv->reload_argv(j->srv);

	prove_stop(&j->prover);
	for (size_t i = 0; i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		if (it->outcome != PO_FAILED)
			continue;
		if (it->site->on_failure != ONF_ROLLBACK && !it->initial) {
			it->outcome = PO_KEPT;   /* on_failure = alert: the new files stay */
			continue;
		}
		bool had = targets_written(it);
		int rc = targets_restore(it);
		it->rolled_back = rc == 0;
		restored |= had && rc >= 0;
	}
	if (restored && j->reload_ran && argv) {
		int err = child_start(j->env.L, &j->child, argv, NULL, j->srv->reload_timeout_ms,
				      on_rollback_reload, j);
		j->phase = JP_ROLLBACK;
		if (err == 0)
			return;
	}
	j->phase = JP_DONE;
	loop_arm(j->env.L, &j->soon, now_ms());
}

static void run_check(struct pipe_job *j);

/*
 * Nothing was written, and some proof failed: if the server may be running something else
 * than what is on disk (a crash between writing and reloading), reload and prove again.
 */
static bool retry_after_reload(struct pipe_job *j)
{
	bool any = false;

	if (!j->proof_first || j->srv->synced || !j->drv->reload_argv(j->srv))
		return false;
	j->proof_first = false;
	prove_stop(&j->prover);
	for (size_t i = 0; i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		if (it->outcome == PO_FAILED && it->prover == &j->prover) {
			it->outcome = PO_PENDING;
			it->reason[0] = '\0';
			j->active++;
			any = true;
		}
	}
	if (any)
		run_check(j);
	return any;
}

static void on_proven(void *arg)
{
	struct pipe_job *j = arg;

	if (!retry_after_reload(j))
		finish(j);
}

static void on_settled(void *arg, struct pipe_item *it, bool ok)
{
	struct pipe_job *j = arg;

	if (ok) {
		it->outcome = PO_PROVEN;
		j->active--;
	} else {
		item_fail(j, it);
	}
	/* The next step runs from the loop: the prover may still be iterating its items. */
	if (!j->active)
		loop_arm(j->env.L, &j->proven, now_ms());
}

static void start_proofs(struct pipe_job *j)
{
	j->phase = JP_PROVE;
	prove_init(&j->prover, &j->env, j->items, j->n, on_settled, j);
	for (size_t i = 0; i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		if (it->outcome != PO_PENDING)
			continue;
		if (!it->site->verify) {
			it->outcome = PO_PROVEN;   /* verify = false: the operator waived the proof */
			j->active--;
			continue;
		}
		prove_start(&j->prover, it, j->proof_first);
	}
	if (!j->active)
		loop_arm(j->env.L, &j->proven, now_ms());
}

static void on_reload(void *arg, const struct child_result *r)
{
	struct pipe_job *j = arg;
	char st[64], line[256], why[256];

	j->reload_ms = (unsigned)(now_ms() - j->reload_start);
	if (r->timed_out) {
		fail_active(j, "reload timed out after %u ms (process group killed)",
			    j->srv->reload_timeout_ms);
	} else if (!child_ok(r)) {
		child_first_line(r->output, line, sizeof(line));
		fail_active(j, "reload %s%s%s", child_status_str(r->status, st, sizeof(st)),
			    *line ? ": " : "", line);
	} else if (j->drv->confirm(j->srv, why, sizeof(why)) < 0) {
		fail_active(j, "the server did not take the new configuration: %s", why);
	} else {
		j->reloaded = true;
		start_proofs(j);
		return;
	}
	finish(j);
}

static void run_reload(struct pipe_job *j)
{
	char *const *argv = j->drv->reload_argv(j->srv);
	int err;

	j->phase = JP_RELOAD;
	if (!argv) {
		start_proofs(j);
		return;
	}
	j->reload_start = now_ms();
	err = child_start(j->env.L, &j->child, argv, NULL, j->srv->reload_timeout_ms, on_reload, j);
	if (err < 0) {
		fail_active(j, "cannot run %s: %s", argv[0], strerror(-err));
		finish(j);
		return;
	}
	j->reload_ran = true;
}

static void on_check(void *arg, const struct child_result *r)
{
	struct pipe_job *j = arg;
	char st[64], line[256];

	if (child_ok(r)) {
		run_reload(j);
		return;
	}
	/* The server never saw the files: restore them, no reload. */
	child_first_line(r->output, line, sizeof(line));
	if (r->timed_out)
		fail_active(j, "configuration check timed out after %u ms", j->srv->reload_timeout_ms);
	else
		fail_active(j, "%s", *line ? line : child_status_str(r->status, st, sizeof(st)));
	finish(j);
}

/* Files are written: check them (if the server can), then reload. */
static void run_check(struct pipe_job *j)
{
	char *const *argv = j->drv->check_argv(j->srv);
	int err;

	j->phase = JP_CHECK;
	if (!argv) {
		run_reload(j);
		return;
	}
	err = child_start(j->env.L, &j->child, argv, NULL, j->srv->reload_timeout_ms, on_check, j);
	if (err < 0) {
		fail_active(j, "cannot run %s: %s", argv[0], strerror(-err));
		finish(j);
	}
}

static void log_dry_run(const struct pipe_job *j, const struct pipe_item *it)
{
	char ep[ENDPOINT_STRLEN];
	bool any = targets_changed(it);
	struct ev e;

	ev_begin(&e, "dry-run");
	ev_add(&e, "site", it->site->name);
	ev_add(&e, "would", any ? (j->drv->reload_argv(j->srv) ? "render,reload,verify"
				  : "render,verify") : "nothing (files up to date)");
	ev_add(&e, "endpoint", endpoint_str(it->wildcard ? NULL : &it->to, it->site->port, ep,
					    sizeof(ep)));
	ev_emit(&e, LOG_NOTICE);
}

/* Renders and writes every item; returns whether anything was written. */
static bool write_all(struct pipe_job *j)
{
	bool written = false;

	for (size_t i = 0; i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		if (targets_prepare(it) < 0) {
			item_fail(j, it);
			continue;
		}
		if (j->env.dry_run) {
			log_dry_run(j, it);
			it->outcome = PO_DRY_RUN;
			j->active--;
		} else if (targets_write(it) < 0) {
			/* Out at once, so the server never reloads half of this site's files. */
			targets_restore(it);
			item_fail(j, it);
		} else {
			written |= targets_written(it);
		}
	}
	return written;
}

struct pipe_job *pipe_start(const struct pipe_env *env, const struct server *srv,
			    struct pipe_item *items, size_t n, pipe_done_fn done, void *arg)
{
	struct pipe_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	*j = (struct pipe_job){ .env = *env, .srv = srv, .drv = driver_get(srv->type),
				.items = items, .n = n, .active = n,
				.done = done, .arg = arg };
	j->soon = (struct timer){ .fn = report_done, .arg = j };
	j->proven = (struct timer){ .fn = on_proven, .arg = j };
	for (size_t i = 0; i < n; i++) {
		items[i].job = j;
		items[i].outcome = PO_PENDING;
		items[i].rewrote = items[i].rolled_back = false;
		items[i].reason[0] = '\0';
		items[i].hint = NULL;
	}
	bool written = write_all(j);
	if (!j->active) {
		finish(j);
	} else if (written) {
		run_check(j);
	} else {
		/* Nothing changed on disk (start-up, or a rebind to where the files already
		 * point): prove it; a reload only if that fails (see retry_after_reload). */
		j->proof_first = true;
		start_proofs(j);
	}
	return j;
}

void pipe_abort(struct pipe_job *j)
{
	/* Shutdown mid-job: put the files back as they were; bindings stay the old ones. */
	child_stop(&j->child);
	prove_stop(&j->prover);
	loop_cancel(j->env.L, &j->soon);
	loop_cancel(j->env.L, &j->proven);
	for (size_t i = 0; i < j->n; i++) {
		if (j->items[i].outcome == PO_PENDING || j->items[i].outcome == PO_FAILED)
			(void)targets_restore(&j->items[i]);
		targets_free(&j->items[i]);
	}
	free(j);
}
