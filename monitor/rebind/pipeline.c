// SPDX-License-Identifier: MIT
/* One job per server: render all -> check -> one reload -> prove all -> restore the failed. */
#include "monitor/rebind/pipeline.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "monitor/core/log.h"
#include "monitor/rebind/collide.h"
#include "monitor/rebind/culprit.h"
#include "monitor/rebind/errlog.h"
#include "monitor/rebind/items.h"
#include "monitor/rebind/liveness.h"
#include "monitor/rebind/prove.h"
#include "monitor/rebind/targets.h"

enum job_phase { JP_CHECK, JP_RELOAD, JP_PROVE, JP_ROLLBACK, JP_REPROVE, JP_DONE };

struct pipe_job {
	struct pipe_env env;
	const struct server *srv;
	const struct driver *drv;
	struct pipe_item *items;
	size_t n, active;          /* items still in play (not yet settled) */
	bool reload_ran;           /* the server may have taken the new files */
	bool reloaded;             /* a reload exited 0: the server runs what is on disk */
	uint64_t reload_start, check_start;
	unsigned reload_ms, check_ms;
	bool proof_first;          /* nothing written: proving before any reload */
	bool check_again;          /* the check timed out once and runs again, for longer */
	bool whole;                /* two or more sites failed together at one step */
	long long log_mark;        /* where the server's error log ended before the reload */
	char words[256];           /* the checker's error line, when the check failed */
	bool *pend;                /* per item: in play when the current step began */
	size_t npend;
	bool died;                 /* the server's parent exited after our reload */
	bool restarted;            /* ... and its start command exited 0 */
	enum job_phase phase;
	struct srvop op;
	struct watcher w_live;     /* pidfd of the server's parent, watched while proving */
	pid_t pid;
	size_t reproving;          /* rolled-back items whose old binding is being proven */
	struct timer reaped;       /* polls until the dead parent's pid is gone */
	uint64_t reap_deadline;
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

/*
 * The items that just failed together (the `pending` of the step, n of them): when two or
 * more, the batch failed as a whole. The server's words name culprits (their reason becomes
 * that line); the others are to be tried again apart from them (again).
 */
static void failed_together(struct pipe_job *j, const char *words, const char *prefix)
{
	char *log = NULL;

	/* One site alone is judged alone: its files go back, and the server keeps serving its
	 * old binding (an include it refuses is only taken out when others need the reload). */
	if (j->npend < 2 || j->env.dry_run)
		return;
	j->whole = true;
	/* After a reload, the server said why in its error log (nginx, Apache). */
	if (j->reload_ran && j->log_mark >= 0)
		log = errlog_since(j->srv->cfg->error_log, j->log_mark);
	culprit_mark(j->items, j->n, j->pend, words, log, prefix);
	free(log);
}

/* Sites that failed on their own after a reload: what the server's error log says of them. */
static void explain_from_log(struct pipe_job *j)
{
	char *log;
	bool any = false;

	if (j->whole || !j->reload_ran || j->log_mark < 0)
		return;
	for (size_t i = 0; i < j->n && !any; i++)
		any = j->items[i].outcome == PO_FAILED;
	if (any && (log = errlog_since(j->srv->cfg->error_log, j->log_mark))) {
		culprit_explain(j->items, j->n, log);
		free(log);
	}
}

/* Which items are still in play, before a step fails them all or proves them. */
static void mark_pending(struct pipe_job *j)
{
	j->npend = items_mark_pending(j->items, j->n, j->pend);
}

/*
 * A step failed (check, reload): every item still in play fails with the reason, together
 * (words: the server's line naming culprits, or NULL; prefix: before it in their reasons).
 */
static void fail_step(struct pipe_job *j, const char *words, const char *prefix,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail_step(struct pipe_job *j, const char *words, const char *prefix,
		      const char *fmt, ...)
{
	char reason[sizeof(j->items[0].reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	mark_pending(j);
	j->active -= items_fail_pending(j->items, j->n, reason);
	failed_together(j, words, prefix);
}

static void report_done(void *arg)
{
	struct pipe_job *j = arg;
	struct pipe_report r = { .reloaded = j->reloaded, .reload_ms = j->reload_ms,
				 .check_ms = j->check_ms,
				 .restarted = j->restarted, .whole = j->whole, .words = j->words };

	srvop_stop(&j->op);
	for (size_t i = 0; i < j->n; i++)
		items_release(&j->items[i]);
	j->done(j->arg, j->items, j->n, &r);
	free(j->pend);
	free(j);
}

static void live_unwatch(struct pipe_job *j)
{
	if (j->w_live.fd < 0)
		return;
	if (j->w_live.cb)
		loop_unwatch(j->env.L, &j->w_live);
	close(j->w_live.fd);
	j->w_live.fd = -1;
}

static void reprove_settled(void *arg, struct pipe_item *it, bool ok)
{
	struct pipe_job *j = arg;

	it->old_served = ok ? 1 : -1;
	it->to = it->tmp_to;
	items_restore_reason(it);
	if (!--j->reproving)
		loop_arm(j->env.L, &j->proven, now_ms());
}

/*
 * The files are back and the server has them (rollback reload or a new start): prove that
 * every rolled-back site whose old address is still here is served as before.
 */
static void reprove(struct pipe_job *j)
{
	j->phase = JP_REPROVE;
	prove_init(&j->prover, &j->env, j->items, j->n, reprove_settled, j);
	for (size_t i = 0; i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		if (it->outcome != PO_FAILED || !it->rolled_back || !it->has_from ||
		    !it->site->verify)
			continue;
		it->tmp_to = it->to;
		items_save_reason(it);
		it->to = it->from;
		it->tried = false;
		j->reproving++;
		prove_start(&j->prover, it, false);
	}
	if (!j->reproving)
		loop_arm(j->env.L, &j->proven, now_ms());
}

static void on_rollback_reload(void *arg, const struct srvop_result *r)
{
	struct pipe_job *j = arg;

	if (r->ok)
		j->reloaded = true;
	else if (r->timed_out)
		items_tell_rolled_back(j->items, j->n, "the rollback reload timed out too", NULL);
	else
		items_tell_rolled_back(j->items, j->n, "the rollback reload failed too",
				       r->status[0] ? r->status : r->why);
	reprove(j);
}

static void on_started(void *arg, const struct srvop_result *r)
{
	struct pipe_job *j = arg;
	struct ev e;

	j->restarted = r->ok;
	ev_begin(&e, "server-restarted");
	ev_add(&e, "server", j->srv->cfg->name);
	ev_addf(&e, "pid", "%d", (int)j->pid);
	ev_add(&e, "reason", "its parent process exited after the reload; started again on the "
	       "restored files");
	ev_add(&e, "start", r->ok ? "ok" : r->why);
	ev_emit(&e, r->ok ? LOG_WARNING : LOG_ERR);
	if (r->ok)
		j->reloaded = true;
	else
		items_tell_rolled_back(j->items, j->n, "starting the server again failed", r->why);
	reprove(j);
}

/*
 * The dead parent may stay a zombie until its parent (often PID 1) reaps it, and Apache's
 * `-k start` then answers "already running" and exits 0: start once the pid is gone (or the
 * reload timeout passed).
 */
static void start_when_reaped(void *arg)
{
	struct pipe_job *j = arg;

	if (kill(j->pid, 0) == 0 && now_ms() < j->reap_deadline) {
		loop_arm(j->env.L, &j->reaped, now_ms() + 100);
		return;
	}
	srvop_init(&j->op, j->env.L, j->srv, on_started, j);
	if (srvop_argv(&j->op, j->srv->cfg->start, "start") < 0)
		on_started(j, &j->op.res);
}

/* The server died: every site of the job failed, whatever its proof said. */
static void server_died(struct pipe_job *j)
{
	j->died = true;
	live_unwatch(j);
	prove_stop(&j->prover);
	j->npend = 0;
	for (size_t i = 0; i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		j->pend[i] = it->outcome == PO_PENDING || it->outcome == PO_PROVEN;
		if (!j->pend[i])
			continue;
		j->npend++;
		snprintf(it->reason, sizeof(it->reason), "server \"%s\": its parent process (pid %d) "
			 "exited after the reload; its error log says why (a Listen that cannot "
			 "bind?)", j->srv->cfg->name, (int)j->pid);
		it->outcome = PO_FAILED;
	}
	j->active = 0;
	failed_together(j, NULL, "the server's parent exited after the reload: ");
}

static void on_live(void *arg, uint32_t events)
{
	struct pipe_job *j = arg;

	server_died(j);
	finish(j);
}

/* The failed items' files go back (or stay: on_failure = alert); did any go back? */
static bool restore_failed(struct pipe_job *j)
{
	bool restored = false;

	for (size_t i = 0; i < j->n; i++) {
		struct pipe_item *it = &j->items[i];
		if (it->outcome != PO_FAILED)
			continue;
		/* A dead server cannot be started on files it refused: they go back whatever the
		 * site's on_failure; nor can a batch that failed as a whole be narrowed down with
		 * one site's files left in (on_failure applies when the site is judged alone). */
		if (it->site->on_failure != ONF_ROLLBACK && !it->initial && !j->died && !j->whole) {
			it->outcome = PO_KEPT;   /* on_failure = alert: the new files stay */
			continue;
		}
		bool had = targets_written(it);
		int rc = targets_restore(it);
		it->rolled_back = rc == 0;
		restored |= had && rc >= 0;
	}
	return restored;
}

/* Every item is decided: restore the failed ones, and reload once more if the server saw them. */
static void finish(struct pipe_job *j)
{
	const struct server_cfg *s = j->srv->cfg;
	bool restored;
	int err = -1;

	if (!j->died && live_exited(j->w_live.fd))
		server_died(j);
	explain_from_log(j);
	live_unwatch(j);
	prove_stop(&j->prover);
	restored = restore_failed(j);
	if (j->died && s->start) {
		j->phase = JP_ROLLBACK;
		j->reaped = (struct timer){ .fn = start_when_reaped, .arg = j };
		j->reap_deadline = now_ms() + s->reload_timeout_ms;
		err = loop_arm(j->env.L, &j->reaped, now_ms());
	} else if (restored && j->reload_ran && driver_can_reload(j->srv)) {
		j->phase = JP_ROLLBACK;
		srvop_init(&j->op, j->env.L, j->srv, on_rollback_reload, j);
		srvop_scale(&j->op, j->check_ms);
		err = j->drv->reload(&j->op);
	}
	if (err == 0)
		return;
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

	if (!j->proof_first || j->srv->synced || !driver_can_reload(j->srv))
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

/*
 * After a reload, no site of the batch was proven and some new endpoint never completed a
 * handshake: the server did not take the configuration (nginx keeps its old one when one
 * address cannot be bound; that address may even be served by another process).
 */
static void judge_proofs(struct pipe_job *j)
{
	size_t failed = 0, unreached = 0;

	if (j->proof_first || !j->reload_ran)
		return;
	for (size_t i = 0; i < j->n; i++) {
		const struct pipe_item *it = &j->items[i];
		if (!j->pend[i])
			continue;
		if (it->outcome == PO_PROVEN)
			return;
		failed += it->outcome == PO_FAILED;
		unreached += it->outcome == PO_FAILED && it->unreached;
	}
	if (failed == j->npend && unreached)
		failed_together(j, NULL, "the server did not take the new configuration: ");
}

static void on_proven(void *arg)
{
	struct pipe_job *j = arg;

	if (j->phase == JP_PROVE)
		judge_proofs(j);
	if (j->phase == JP_REPROVE) {
		j->phase = JP_DONE;
		loop_arm(j->env.L, &j->soon, now_ms());
	} else if (!retry_after_reload(j)) {
		finish(j);
	}
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
	/* Taken out of the server: nothing of it to prove. */
	for (size_t i = 0; i < j->n; i++)
		if (j->items[i].disabling && j->items[i].outcome == PO_PENDING) {
			j->items[i].outcome = PO_DISABLED;
			j->active--;
		}
	mark_pending(j);
	prove_init(&j->prover, &j->env, j->items, j->n, on_settled, j);
	/* The reload parses what the check just parsed (10,000 nginx blocks: 8-12 s) before
	 * any new listener exists: the wait for them gets as long again, and more. */
	j->prover.listen_grace_ms = j->proof_first ? 0 : j->check_ms * SRVOP_CHECK_MULTIPLE;
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

static void on_reload(void *arg, const struct srvop_result *r)
{
	struct pipe_job *j = arg;

	j->reload_ms = (unsigned)(now_ms() - j->reload_start);
	j->reload_ran |= r->touched;
	if (!r->ok) {
		fail_step(j, r->line, "reload failed: ", "reload %s", r->why);
	} else if (live_exited(j->w_live.fd)) {
		server_died(j);
	} else {
		j->reloaded = true;
		if (j->w_live.fd >= 0) {
			/* Apache's parent exits after a graceful restart that cannot bind: its pidfd
			 * turns readable then, zombie or not. */
			j->w_live.cb = on_live;
			j->w_live.arg = j;
			loop_watch(j->env.L, &j->w_live, EPOLLIN);
		}
		start_proofs(j);
		return;
	}
	finish(j);
}

static void run_reload(struct pipe_job *j)
{
	j->phase = JP_RELOAD;
	if (!driver_can_reload(j->srv)) {
		start_proofs(j);
		return;
	}
	/* The parent as it is before our reload: the process whose death would be ours. */
	j->w_live.fd = live_open(j->srv->cfg, &j->pid);
	j->log_mark = errlog_mark(j->srv->cfg->error_log);
	j->reload_start = now_ms();
	srvop_init(&j->op, j->env.L, j->srv, on_reload, j);
	srvop_scale(&j->op, j->check_ms);
	if (j->drv->reload(&j->op) < 0) {
		fail_step(j, NULL, "", "reload %s", j->op.res.why);
		finish(j);
	}
}

/* A check that timed out says how large the configuration is, not which site is wrong (it
 * parses them all): it runs once more, with SRVOP_CHECK_MULTIPLE times as long. */
static bool check_timed_out(struct pipe_job *j, const struct srvop_result *r)
{
	struct ev e;

	if (r->ok || !r->timed_out || j->check_again)
		return false;
	j->check_again = true;
	ev_begin(&e, "check-slow");
	ev_add(&e, "server", j->srv->cfg->name);
	ev_addf(&e, "took_ms", "%u", j->check_ms);
	ev_addf(&e, "deadline_ms", "%llu", (unsigned long long)j->check_ms * SRVOP_CHECK_MULTIPLE);
	ev_add(&e, "reason", "the configuration check timed out; a timeout names no site (the "
	       "check parses all of them): it runs again with a longer deadline");
	ev_emit(&e, LOG_NOTICE);
	run_check(j);
	return true;
}

static void on_check(void *arg, const struct srvop_result *r)
{
	struct pipe_job *j = arg;

	j->check_ms = (unsigned)(now_ms() - j->check_start);
	if (r->ok) {
		run_reload(j);
		return;
	}
	if (check_timed_out(j, r))
		return;
	/* The server never saw the files: restore them, no reload. The checker's own words. */
	fail_step(j, r->line, "configuration check failed: ", "configuration check failed: %s",
		  r->line[0] ? r->line : r->why);
	snprintf(j->words, sizeof(j->words), "%s", r->line);
	finish(j);
}

/* Files are written: check them (if the server can), then reload. */
static void run_check(struct pipe_job *j)
{
	char *const *argv = j->srv->cfg->check;

	j->phase = JP_CHECK;
	if (!argv) {
		run_reload(j);
		return;
	}
	srvop_init(&j->op, j->env.L, j->srv, on_check, j);
	/* A large configuration's check takes long, and longer on a loaded machine: its deadline
	 * is at least a multiple of what the server's last check took (or of this job's check
	 * that just timed out). */
	srvop_scale_check(&j->op, j->check_again ? j->check_ms : j->srv->check_ms);
	j->check_start = now_ms();
	if (srvop_argv(&j->op, argv, "check") < 0) {
		fail_step(j, NULL, "", "%s", j->op.res.why);
		finish(j);
	}
}

/* Renders and writes every item; returns whether anything was written. */
static bool write_all(struct pipe_job *j)
{
	bool written = false;

	j->active -= targets_write_all(j->items, j->n, j->env.dry_run, driver_can_reload(j->srv),
				       &written);
	return written;
}

struct pipe_job *pipe_start(const struct pipe_env *env, const struct server *srv,
			    struct pipe_item *items, size_t n, pipe_done_fn done, void *arg)
{
	struct pipe_job *j = calloc(1, sizeof(*j));
	bool *pend = calloc(n ? n : 1, sizeof(*pend));

	if (!j || !pend) {
		free(j);
		free(pend);
		return NULL;
	}
	*j = (struct pipe_job){ .env = *env, .srv = srv, .drv = driver_get(srv->cfg->type),
				.items = items, .n = n, .active = n, .pend = pend, .log_mark = -1,
				.done = done, .arg = arg };
	j->soon = (struct timer){ .fn = report_done, .arg = j };
	j->w_live.fd = -1;
	j->proven = (struct timer){ .fn = on_proven, .arg = j };
	items_reset(items, n, j);
	j->active -= collide_refuse(env->listeners, srv->cfg->type, items, n);
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
	srvop_stop(&j->op);
	live_unwatch(j);
	loop_cancel(j->env.L, &j->reaped);
	prove_stop(&j->prover);
	loop_cancel(j->env.L, &j->soon);
	loop_cancel(j->env.L, &j->proven);
	for (size_t i = 0; i < j->n; i++) {
		if (j->items[i].outcome == PO_PENDING || j->items[i].outcome == PO_FAILED)
			(void)targets_restore(&j->items[i]);
		items_release(&j->items[i]);
	}
	free(j->pend);
	free(j);
}
