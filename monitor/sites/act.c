// SPDX-License-Identifier: MIT
/* The executor: timers become transitions, and every transition's actions are carried out here. */
#include "monitor/sites/act.h"
#include "monitor/sites/certfor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "monitor/core/log.h"
#include "monitor/sites/certwatch.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/issue.h"
#include "monitor/sites/jobs.h"
#include "monitor/sites/opwait.h"
#include "monitor/sites/sitelog.h"

static void decide_now(struct siteinfo *si);

/* --- the decision's context: the other sites, through the address index --------------- */

bool act_endpoint_taken(void *arg, const struct site *self, const struct ipaddr *a,
			unsigned port)
{
	struct sites *set = arg;

	FOR_SITES_AT(&set->index, a, si)
		if (si->cfg != self && si->cfg->port == port)
			return true;
	return jobs_reserved(set, self, a, port);
}

static bool address_shared(void *arg, const struct site *self, const struct ipaddr *a)
{
	struct sites *set = arg;

	FOR_SITES_AT(&set->index, a, si)
		if (si->cfg != self)
			return true;
	return false;
}

void act_decide_ctx(struct siteinfo *si, struct decide_ctx *ctx)
{
	*ctx = (struct decide_ctx){
		.tab = si->set->tab, .lost_ifindex = si->fsm.cur_ifindex,
		.lost_plen = si->fsm.cur_plen,
		.endpoint_taken = act_endpoint_taken, .address_shared = address_shared, .arg = si->set,
	};
}

size_t act_candidates(struct sites *set, struct siteinfo *si, struct ipaddr *out, size_t max)
{
	struct decide_ctx ctx;
	struct decision dec;
	struct site tmp = *si->cfg;
	size_t n;

	if (si->cfg->wildcard)
		return 0;
	/* Candidates as if the address were lost now, whatever the site's on_change. */
	tmp.on_change = ONC_ALERT;
	act_decide_ctx(si, &ctx);
	decide(&tmp, &(struct ipaddr){ .family = si->fsm.cur.family }, &ctx, &dec);
	n = dec.ncands < max ? dec.ncands : max;
	memcpy(out, dec.cands, n * sizeof(*out));
	return n;
}

/* --- carrying out transitions ----------------------------------------------------------- */

static void set_waiting_list(struct siteinfo *si)
{
	struct sites *set = si->set;
	bool listed = si->wprev || set->waiting == si;

	if (si->fsm.waiting && !listed) {
		si->wprev = NULL;
		si->wnext = set->waiting;
		if (set->waiting)
			set->waiting->wprev = si;
		set->waiting = si;
	} else if (!si->fsm.waiting && listed) {
		if (si->wprev)
			si->wprev->wnext = si->wnext;
		else
			set->waiting = si->wnext;
		if (si->wnext)
			si->wnext->wprev = si->wprev;
		si->wnext = si->wprev = NULL;
	}
}

static void settle_timers(struct siteinfo *si, unsigned a)
{
	struct loop *L = si->set->L;

	if (a & FA_SETTLE_CANCEL)
		loop_cancel(L, &si->settle);
	if (a & FA_SETTLE_WINDOW)
		loop_arm(L, &si->settle, now_ms() + si->set->pol->settle_ms);
	if (a & FA_SETTLE_GRACE) {
		uint64_t end = si->set->started_ms + si->set->pol->startup_grace_ms;
		uint64_t settled = now_ms() + si->set->pol->settle_ms;
		loop_arm(L, &si->settle, end > settled ? end : settled);
	}
	if (a & FA_SETTLE_NOW)
		loop_arm(L, &si->settle, now_ms());
	if ((a & FA_SETTLE_SOON) && !timer_armed(&si->settle))
		loop_arm(L, &si->settle, now_ms());
}

/* The reminder, re-verification and retry timers. */
static void other_timers(struct siteinfo *si, unsigned a)
{
	struct loop *L = si->set->L;

	if (a & FA_REMIND_CANCEL)
		loop_cancel(L, &si->remind);
	if (a & FA_REVERIFY_CANCEL)
		loop_cancel(L, &si->reverify);
	if (a & FA_REVERIFY_ARM)
		loop_arm(L, &si->reverify, now_ms() + si->fsm.reverify_ms);
	if (a & FA_RETRY_CANCEL)
		loop_cancel(L, &si->retry);
	if (a & FA_RETRY_ARM)
		loop_arm(L, &si->retry, now_ms() + si->fsm.retry_ms);
	if ((a & FA_REMIND_ARM) && si->cfg->alert_repeat_s && !timer_armed(&si->remind))
		loop_arm(L, &si->remind, now_ms() + (uint64_t)si->cfg->alert_repeat_s * 1000);
}


/* What a transition asks to be said (address events). */
static void apply_logs(struct siteinfo *si, unsigned a, const struct decision *dec)
{
	if (a & FA_LOG_QUIET)
		sitelog_back_quietly(si);
	if (a & FA_LOG_RESTORED)
		sitelog_restored(si);
	if ((a & FA_LOG_LOST) && dec)
		sitelog_lost(si, dec, dec->action == ACT_LOG ? LOG_INFO : si->cfg->alert_priority,
			     a & FA_ALERT_LOST);
	if (a & FA_LOG_NOCAND)
		sitelog_nocand(si);
}

/* Every change of a site's state, said at debug where it is carried out. */
static void log_move(struct siteinfo *si)
{
	enum site_state from;
	const char *why;

	if (sitefsm_take_move(&si->fsm, &from, &why))
		log_debug("site %s: %s -> %s (%s)", si->cfg->name, sitefsm_state_name(from),
			  sitefsm_state_name(si->fsm.state), why);
}

static void apply_with(struct siteinfo *si, unsigned a, const struct decision *dec)
{
	struct sites *set = si->set;

	log_move(si);
	settle_timers(si, a);
	other_timers(si, a);
	apply_logs(si, a, dec);
	if (a & FA_WAITLIST)
		set_waiting_list(si);
	if ((a & FA_REINDEX) && siteindex_update(&set->index, si) < 0)
		log_warnx("site %s: out of memory indexing its address", si->cfg->name);
	if (a & FA_STATE_CHANGED)
		sites_changed(set, SC_ALL);
	if ((a & FA_START_JOB) && dec)     /* only a decision asks for a rebind */
		certfor_start_job(si, false, &dec->to,
			  (struct where){ .ifindex = dec->to_ifindex, .plen = dec->to_plen });
	if (a & FA_START_INITIAL)
		certfor_start_job(si, true, &si->fsm.cur,
			  (struct where){ .ifindex = si->fsm.cur_ifindex, .plen = si->fsm.cur_plen });
	if (a & FA_DECIDE)
		decide_now(si);
	if (a & (FA_FAILOVER | FA_STATE_CHANGED))
		failover_changed(si);
}

void act_apply(struct siteinfo *si, unsigned acts)
{
	apply_with(si, acts, NULL);
}

static void decide_now(struct siteinfo *si)
{
	struct decide_ctx ctx;
	struct decision dec;
	unsigned a;

	if (!(sitefsm_settle(&si->fsm) & FA_DECIDE))
		return;
	act_decide_ctx(si, &ctx);
	decide(si->cfg, &si->fsm.cur, &ctx, &dec);
	a = sitefsm_decided(&si->fsm, dec.action, jobs_server_busy(si->set, si->cfg), time(NULL));
	apply_with(si, a, &dec);
}

static void on_settle(void *arg)
{
	decide_now(arg);
}

/* An unverified binding: prove it again (a handshake; a reload only if the server may run
 * something else than its files). */
static void on_reverify(void *arg)
{
	struct siteinfo *si = arg;

	act_apply(si, sitefsm_reverify(&si->fsm));
}

/* A failed rebind's next attempt (backoff), or its inputs changed. */
void act_retry_now(struct siteinfo *si)
{
	act_apply(si, sitefsm_retry(&si->fsm, decide_bound(si->cfg, &si->fsm.cur, si->set->tab)));
}

static void on_retry(void *arg)
{
	act_retry_now(arg);
}

/* alert.repeat_s: the condition lasts, so say it again (never more often). */
static void on_remind(void *arg)
{
	act_apply(arg, sitefsm_remind(&((struct siteinfo *)arg)->fsm));
}

void act_site_free(struct siteinfo *si)
{
	struct loop *L = si->set->L;

	loop_cancel(L, &si->settle);
	loop_cancel(L, &si->remind);
	loop_cancel(L, &si->reverify);
	loop_cancel(L, &si->retry);
}

void act_moved(struct siteinfo *old, struct siteinfo *ns)
{
	struct loop *L = ns->set->L;

	ns->wnext = ns->wprev = NULL;
	loop_move(L, &old->settle, &ns->settle, ns);
	loop_move(L, &old->remind, &ns->remind, ns);
	loop_move(L, &old->reverify, &ns->reverify, ns);
	loop_move(L, &old->retry, &ns->retry, ns);
}

void act_settle_cancel(struct siteinfo *si)
{
	loop_cancel(si->set->L, &si->settle);
}

void act_site_init(struct siteinfo *si)
{
	si->settle = (struct timer){ .fn = on_settle, .arg = si };
	si->remind = (struct timer){ .fn = on_remind, .arg = si };
	si->reverify = (struct timer){ .fn = on_reverify, .arg = si };
	si->retry = (struct timer){ .fn = on_retry, .arg = si };
}
