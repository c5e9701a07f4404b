// SPDX-License-Identifier: MIT
/* Job outcomes: applied site by site, committed in one state write per round, then told. */
#include "monitor/sites/outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/core/log.h"
#include "monitor/sites/act.h"
#include "monitor/sites/certfor.h"
#include "monitor/sites/certwatch.h"
#include "monitor/sites/defaults.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/issue.h"
#include "monitor/sites/jobs.h"
#include "monitor/sites/opwait.h"
#include "monitor/sites/sitelog.h"
#include "monitor/sites/statefile.h"
#include "util/grow.h"

/* What a site's outcome still has to tell, once the state file carries it. */
struct tell {
	struct siteinfo *si;
	unsigned acts;                 /* the FA_LOG_* bits of its transition */
	bool ok, proven_default;
	char old[ENDPOINT_STRLEN], new[ENDPOINT_STRLEN];
	char *reason;                  /* owned */
	const char *hint;              /* static text */
	bool rolled_back;
	int old_served;
	rebind_done_fn done;           /* an operator waiting for it */
	void *arg;
};

static struct tell *tell_add(struct sites *set)
{
	if (GROW(set->tells, set->ntells, set->captells, 64) < 0)
		return NULL;
	return &set->tells[set->ntells++];
}

/* The transition its outcome asks for (the state, not yet the news). */
static unsigned transition(struct siteinfo *si, const struct pipe_item *it, bool *ok)
{
	long long now = time(NULL);

	*ok = true;
	/* A certificate proven served becomes the site's own; one that was not is dropped. */
	if (si->pending.leaf && it->outcome == PO_PROVEN) {
		issue_commit_pending(si);
		certwatch_changed(si);
		issue_arm(si, certfor_issue_due);
	} else {
		issue_drop_pending(si);
	}
	if (si->fsm.failover && it->outcome != PO_DISABLED && it->outcome != PO_DRY_RUN) {
		bool vip_here = decide_bound(si->cfg, &it->to, si->set->tab);
		failover_job_done(si, it, vip_here);
		/* Readiness proven (or not) without the VIP, or the VIP left while it proved. */
		if (it->listen_only || !vip_here) {
			*ok = it->outcome == PO_PROVEN;
			return sitefsm_job_standby(&si->fsm, now);
		}
	}
	switch (it->outcome) {
	case PO_PROVEN:
		return sitefsm_job_verified(&si->fsm, &it->to, si->due_at, it->rewrote, now);
	case PO_FAILED:
	case PO_KEPT:
	case PO_PENDING:
		*ok = false;
		return sitefsm_job_failed(&si->fsm, &it->to, si->due_at, it->initial,
					  it->outcome == PO_FAILED && it->rolled_back, now);
	case PO_DISABLED:
		*ok = false;
		return sitefsm_job_disabled(&si->fsm, it->initial, now);
	case PO_DRY_RUN:
		break;
	}
	return 0;
}

void outcome_item(struct siteinfo *si, const struct pipe_item *it)
{
	const unsigned logs = FA_LOG_REBIND | FA_LOG_RENDERED | FA_LOG_FAILED | FA_LOG_VERIFIED;
	struct tell *t = tell_add(si->set);
	unsigned a;
	bool ok;

	if (!t) {
		log_warnx("site %s: out of memory telling its job's outcome", si->cfg->name);
		return;
	}
	*t = (struct tell){ .si = si, .hint = it->hint,
			    .rolled_back = it->outcome == PO_FAILED && it->rolled_back,
			    .old_served = it->old_served,
			    .proven_default = it->wildcard && it->outcome == PO_PROVEN };
	opwait_take(si, &t->done, &t->arg);
	endpoint_str(si->cfg->wildcard ? NULL : &si->fsm.cur, si->cfg->port, t->old, sizeof(t->old));
	endpoint_str(it->wildcard ? NULL : &it->to, si->cfg->port, t->new, sizeof(t->new));
	a = transition(si, it, &ok);
	t->ok = ok;
	t->acts = a & logs;
	if (!ok)
		t->reason = strdup(it->reason);
	/* The state changes first, so that one write of the state file carries all of it. */
	act_apply(si, a & ~logs & ~(unsigned)FA_FLUSH_STATE);
	si->set->flush_wanted |= (a & FA_FLUSH_STATE) != 0;
}

static void tell_one(struct tell *t)
{
	struct siteinfo *si = t->si;
	const char *reason = t->reason ? t->reason : "out of memory";

	if (t->acts & FA_LOG_REBIND)
		sitelog_rebind(si, t->old);
	if (t->acts & FA_LOG_RENDERED)
		sitelog_rendered(si, t->new);
	if (t->acts & FA_LOG_VERIFIED)
		sitelog_verified(si, t->new);
	if (t->acts & FA_LOG_FAILED) {
		sitelog_failed(si, t->old, t->new, reason, t->hint, t->rolled_back, t->old_served);
		sites_changed(si->set, SC_METRICS);
	}
	if (t->done)
		t->done(t->arg, t->ok, t->ok ? NULL : reason);
	/* The default binding is proven: now on every address it should be served on. */
	if (t->proven_default)
		defaults_check(si->set, NULL);
	act_apply(si, sitefsm_job_ended(&si->fsm) & ~(unsigned)FA_QUEUED_GO);
}

void outcome_told(struct sites *set)
{
	size_t n = set->ntells;
	struct tell *v = set->tells;

	if (set->flush_wanted) {
		/* Moved bindings are committed, all in one write, before anyone is told. */
		set->flush_wanted = false;
		sites_changed(set, SC_STATE);
		if (statefile_flush(set) < 0)
			log_warnx("state file %s not updated; the bindings are live but would be "
				  "re-derived at restart", set->pol->state_file);
	}
	/* Telling may start jobs (and, through them, more outcomes): take the list whole. */
	set->tells = NULL;
	set->ntells = set->captells = 0;
	for (size_t i = 0; i < n; i++) {
		tell_one(&v[i]);
		free(v[i].reason);
	}
	free(v);
}

void outcome_pass_end(struct sites *set)
{
	jobs_start_due(set, outcome_item, outcome_told, outcome_job_end);
}

void outcome_job_end(struct sites *set, const struct site *server_of)
{
	for (size_t i = 0; i < set->n && !jobs_server_busy(set, server_of); i++) {
		struct siteinfo *q = &set->v[i];
		if (q->fsm.queued && site_same_server(q->cfg, server_of))
			act_apply(q, sitefsm_dequeue(&q->fsm));
	}
}
