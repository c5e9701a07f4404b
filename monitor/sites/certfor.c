// SPDX-License-Identifier: MIT
/* A site's certificate for an address before it joins a job: issued first, or refused. */
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

/*
 * Transitions are carried out by the executor (si->set->apply, act.c's act_apply), which
 * calls here: a site joins a job through certfor_start_job.
 */

/* The issue command ended: go on with the job it came before, or give up until later. */
static void after_issue(struct siteinfo *si, bool ok, const char *why)
{
	const struct addrent *e;
	bool was_ok = si->fsm.cert_ok;

	/* Issued: what comes next (its job, or the site made usable) tells failover.c; a
	 * failover holder without its certificate is not unhealthy for the moment between. */
	si->set->apply(si, sitefsm_job_ended(&si->fsm) & ~(unsigned)FA_QUEUED_GO &
		  ~(ok ? (unsigned)FA_FAILOVER : 0u));
	issue_arm(si, certfor_issue_due);
	if (!ok) {
		opwait_tell(si, false, why);
		return;
	}
	if (!was_ok) {
		/* Start-up without a usable certificate: the new one makes the site usable. */
		issue_commit_pending(si);
		e = addrtab_find_usable(si->set->tab, &si->fsm.cur, 0);
		si->set->apply(si, sitefsm_cert_good(&si->fsm, e != NULL, addrent_where(e), time(NULL)));
		return;
	}
	/* A decision made while it issued may have started the job already. */
	if (!si->fsm.busy)
		certfor_start_job(si, si->issue_initial, &si->pending_for, si->issue_at);
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
void certfor_start_job(struct siteinfo *si, bool initial, const struct ipaddr *to,
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

void certfor_issue_due(struct siteinfo *si)
{
	if (si->fsm.busy)
		return;   /* a job or an issue runs: its end arms the timer again */
	if (!si->fsm.cert_ok) {
		certfor_issue_missing(si);
		return;
	}
	/* Bound (or unverified): renew for the binding; otherwise decide again. */
	if (si->fsm.state == SS_UNBOUND)
		si->set->apply(si, FA_DECIDE);
	else if (!si->cfg->wildcard)
		certfor_start_job(si, true, &si->fsm.cur,
			  (struct where){ .ifindex = si->fsm.cur_ifindex, .plen = si->fsm.cur_plen });
}

int certfor_issue_rebind(struct siteinfo *si, const struct ipaddr *to, struct where at)
{
	int err;

	/* Forced: whatever the backoff; a certificate for `to`, then the rebind to it. */
	issue_drop_pending(si);
	si->issue_initial = false;
	si->issue_at = at;
	err = issue_start(si, to, &si->fsm.cur, true, after_issue);
	if (err == 0)
		sitefsm_job_started(&si->fsm);
	else
		log_warnx("site %s: cannot run the issue command: %s", si->cfg->name,
			  strerror(-err));
	return err;
}

int certfor_issue_now(struct siteinfo *si, bool forced)
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
	issue_arm(si, certfor_issue_due);
	return err;
}

void certfor_issue_missing(struct siteinfo *si)
{
	/* A failover standby issues when it takes the VIP over: only then can it pass. */
	if (si->cfg->issue.command && !si->fsm.cert_ok && !si->fsm.busy &&
	    !failover_issues_on_takeover(si))
		certfor_issue_now(si, false);
}
