// SPDX-License-Identifier: MIT
/* The executor: events and timers become transitions, and transitions become actions. */
#include "monitor/sites/act.h"

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


/* The issue command ended: go on with the job it came before, or give up until later. */
static void after_issue(struct siteinfo *si, bool ok, const char *why)
{
	const struct addrent *e;
	bool was_ok = si->fsm.cert_ok;

	/* Issued: what comes next (its job, or the site made usable) tells failover.c; a
	 * failover holder without its certificate is not unhealthy for the moment between. */
	act_apply(si, sitefsm_job_ended(&si->fsm) & ~(unsigned)FA_QUEUED_GO &
		  ~(ok ? (unsigned)FA_FAILOVER : 0u));
	issue_arm(si, act_issue_due);
	if (!ok) {
		opwait_tell(si, false, why);
		return;
	}
	if (!was_ok) {
		/* Start-up without a usable certificate: the new one makes the site usable. */
		issue_commit_pending(si);
		e = addrtab_find_usable(si->set->tab, &si->fsm.cur, 0);
		act_apply(si, sitefsm_cert_good(&si->fsm, e != NULL, addrent_where(e), time(NULL)));
		return;
	}
	/* A decision made while it issued may have started the job already. */
	if (!si->fsm.busy)
		act_start_job(si, si->issue_initial, &si->pending_for, si->issue_at);
}

/*
 * The certificate for `to` of a site that issues, or has one per address: 1 go on (a new
 * one is pending), 0 not now (issuing, backing off, or refused: logged).
 */
static int cert_for(struct siteinfo *si, bool initial, const struct ipaddr *to,
		    struct where at)
{
	char why[512], old[ENDPOINT_STRLEN], new[ENDPOINT_STRLEN];
	struct certinfo ci;
	int err;

	if (si->pending.leaf && ipaddr_eq(&si->pending_for, to))
		return 1;   /* just issued for it */
	issue_drop_pending(si);
	switch (issue_check(si, to, &ci, why, sizeof(why))) {
	case IN_OK:
		if (ci.leaf)
			issue_hold(si, &ci, to);
		return 1;
	case IN_BAD:
		endpoint_str(&si->fsm.cur, si->cfg->port, old, sizeof(old));
		endpoint_str(to, si->cfg->port, new, sizeof(new));
		sitelog_failed(si, old, new, why, NULL, false, 0);
		opwait_tell(si, false, why);
		return 0;
	case IN_ISSUE:
		break;
	}
	si->issue_initial = initial;
	si->issue_at = at;
	err = issue_start(si, to, initial ? NULL : &si->fsm.cur, false, after_issue);
	if (err == 0) {
		log_debug("site %s: issuing: %s", si->cfg->name, why);
		sitefsm_job_started(&si->fsm);
		sites_changed(si->set, SC_STATUS);
	} else {
		snprintf(why, sizeof(why), err == -EAGAIN ? "issuing a certificate failed recently; "
			 "the next attempt is due later (certbindctl issue forces one)"
			 : "cannot run the issue command: %s", strerror(-err));
		log_info("site %s: %s", si->cfg->name, why);
		opwait_tell(si, false, why);
	}
	return 0;
}

/* The certificate a job to `to` proves is there (issued first, if the site issues its
 * own), or not now (said, or issuing). */
static bool cert_ready(struct siteinfo *si, bool initial, const struct ipaddr *to,
		       struct where at)
{
	bool issues = si->cfg->issue.command || si->cfg->cert_per_address;

	/* A failover standby cannot issue (only the VIP's holder can): it shows what it has. */
	if (issues && si->fsm.failover && !decide_bound(si->cfg, to, si->set->tab))
		issues = false;
	if (issues)
		return cert_for(si, initial, to, at) > 0;
	/* A rebind re-checks the certificate (it may have been renewed, or broken). */
	return initial || certwatch_recheck(si, NULL) >= 0;
}

/* san_check for a rebind to `to`: warned about, or (require) refused. */
static bool san_refused(struct siteinfo *si, bool initial, const struct ipaddr *to)
{
	char ep[ENDPOINT_STRLEN];
	bool refuse = si->cfg->san_check == SAN_REQUIRE;

	if (initial || si->cfg->wildcard || si->cfg->san_check == SAN_OFF ||
	    cert_covers(si->pending.leaf ? &si->pending : &si->cert, to, si->cfg->server_name))
		return false;
	sitelog_cert_mismatch(si, endpoint_str(to, si->cfg->port, ep, sizeof(ep)), refuse);
	if (refuse)
		opwait_tell(si, false, "the certificate does not cover the new address");
	return refuse;
}

/* Joins a job, once its certificate is there and covers the new address. */
void act_start_job(struct siteinfo *si, bool initial, const struct ipaddr *to,
		   struct where at)
{
	if (!cert_ready(si, initial, to, at) || san_refused(si, initial, to))
		return;
	if (jobs_add(si, si->cfg->wildcard ? NULL : to, at, initial) < 0) {
		log_warnx("site %s: out of memory queueing its rebind", si->cfg->name);
		return;
	}
	sitefsm_job_started(&si->fsm);
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
		act_start_job(si, false, &dec->to,
			  (struct where){ .ifindex = dec->to_ifindex, .plen = dec->to_plen });
	if (a & FA_START_INITIAL)
		act_start_job(si, true, &si->fsm.cur,
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

/* --- certificates issued for an address ------------------------------------------------- */

void act_issue_due(struct siteinfo *si)
{
	if (si->fsm.busy)
		return;   /* a job or an issue runs: its end arms the timer again */
	if (!si->fsm.cert_ok) {
		act_issue_missing(si);
		return;
	}
	/* Bound (or unverified): renew for the binding; otherwise decide again. */
	if (si->fsm.state == SS_UNBOUND)
		decide_now(si);
	else if (!si->cfg->wildcard)
		act_start_job(si, true, &si->fsm.cur,
			  (struct where){ .ifindex = si->fsm.cur_ifindex, .plen = si->fsm.cur_plen });
}

int act_issue_rebind(struct siteinfo *si, const struct ipaddr *to, struct where at)
{
	int err;

	/* Forced: whatever the backoff; a certificate for `to`, then the rebind to it. */
	issue_drop_pending(si);
	si->issue_initial = false;
	si->issue_at = at;
	act_settle_cancel(si);
	err = issue_start(si, to, &si->fsm.cur, true, after_issue);
	if (err == 0)
		sitefsm_job_started(&si->fsm);
	else
		log_warnx("site %s: cannot run the issue command: %s", si->cfg->name,
			  strerror(-err));
	return err;
}

int act_issue_now(struct siteinfo *si, bool forced)
{
	int err;

	si->issue_initial = true;
	si->issue_at = (struct where){ .ifindex = si->fsm.cur_ifindex, .plen = si->fsm.cur_plen };
	err = issue_start(si, &si->fsm.cur, NULL, forced, after_issue);
	if (err == 0) {
		sitefsm_job_started(&si->fsm);
		return 0;
	}
	if (err != -EAGAIN)
		log_warnx("site %s: cannot run the issue command: %s", si->cfg->name,
			  strerror(-err));
	issue_arm(si, act_issue_due);
	return err;
}

void act_issue_missing(struct siteinfo *si)
{
	/* A failover standby issues when it takes the VIP over: only then can it pass. */
	if (si->cfg->issue.command && !si->fsm.cert_ok && !si->fsm.busy &&
	    !failover_issues_on_takeover(si))
		act_issue_now(si, false);
}

