// SPDX-License-Identifier: MIT
/* Site table lifecycle: build, reconcile against the state file, carry over across reloads. */
#include "monitor/sites/sites.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/core/fileio.h"
#include "monitor/core/log.h"
#include "monitor/sites/act.h"
#include "monitor/sites/certfor.h"
#include "monitor/sites/certnotify.h"
#include "monitor/sites/certwatch.h"
#include "monitor/sites/defaults.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/issue.h"
#include "monitor/sites/jobs.h"
#include "monitor/sites/sitelog.h"
#include "monitor/sites/stale.h"
#include "monitor/sites/statefile.h"

void sites_init(struct sites *set, const struct pipe_env *env, const struct addrtab *tab,
		struct alerter *alerts)
{
	memset(set, 0, sizeof(*set));
	set->L = env->L;
	set->env = *env;
	set->tab = tab;
	set->alerts = alerts;
	set->started_ms = now_ms();
	/* One executor: lower files (certwatch, failover) hand a transition's actions to it. */
	set->apply = act_apply;
	stale_init(set);
	certnotify_init(set);
}

static int site_setup(struct sites *set, struct siteinfo *si, const struct site *cfg,
		      struct certcache *cc)
{
	struct errlist errs = { 0 };
	int rc;

	memset(si, 0, sizeof(*si));
	si->set = set;
	si->cfg = cfg;
	act_site_init(si);
	sitefsm_init(&si->fsm, cfg, certwatch_load(si, cc, &errs) == 0,
		     time(NULL));
	rc = failover_site_init(si);
	certwatch_report(si, &errs);
	errlist_free(&errs);
	certfor_issue_missing(si);
	return rc;
}

static int index_build(struct sites *set)
{
	set->nwildcard = 0;
	for (size_t i = 0; i < set->pol->nsites; i++)
		set->nwildcard += set->pol->sites[i].wildcard;
	if (siteindex_init(&set->index, set->n) < 0)
		return -1;
	for (size_t i = 0; i < set->n; i++) {
		siteindex_detach(&set->v[i]);
		/* Sites new in a reload are indexed once set up. */
		if (set->v[i].cfg && siteindex_update(&set->index, &set->v[i]) < 0)
			return -1;
	}
	return 0;
}

int sites_build(struct sites *set, const struct policy *pol)
{
	struct certcache *cc;
	int rc = 0;

	set->pol = pol;
	set->n = pol->nsites;
	set->v = calloc(set->n + 1, sizeof(*set->v));
	if (!set->v)
		return -1;
	cc = certcache_new(set->n);
	for (size_t i = 0; i < set->n; i++)
		if (site_setup(set, &set->v[i], &pol->sites[i], cc) < 0)
			rc = -1;
	certcache_free(cc);
	certnotify_watch_all(set);
	if (rc < 0 || failover_tracks(set) < 0)
		return -1;
	return index_build(set);
}

/* Takes the state file's binding if it still belongs to this policy, then reconciles. */
static void reconcile_one(struct siteinfo *si, const struct binding *b)
{
	char conf[ENDPOINT_STRLEN];
	const struct addrent *e;
	bool present;

	/* Temporary files a killed predecessor left behind. */
	for (size_t i = 0; i < si->cfg->ntargets; i++)
		if (file_clean_temps(si->cfg->targets[i].output))
			log_info("event=temp-removed site=%s beside=%s", si->cfg->name,
				 si->cfg->targets[i].output);
	endpoint_str(si->cfg->wildcard ? NULL : &si->cfg->addr, si->cfg->port, conf, sizeof(conf));
	if (b && !strcmp(b->configured, conf) && !b->wildcard && b->port == si->cfg->port)
		sitefsm_restore(&si->fsm, &b->addr, b->since);
	/* The last event goes on being the last one said, across a restart. */
	if (b && b->last_event[0] && !si->last_event[0]) {
		sitelog_restore(si, b->last_event, b->last_event_at);
	}
	present = decide_bound(si->cfg, &si->fsm.cur, si->set->tab);
	e = present ? addrtab_find_usable(si->set->tab, &si->fsm.cur, 0)
		    : addrtab_find(si->set->tab, &si->fsm.cur, 0);
	act_apply(si, sitefsm_reconcile(&si->fsm, present, addrent_where(e),
					now_ms() < si->set->started_ms + si->set->pol->startup_grace_ms));
}

void sites_reconcile(struct sites *set, const struct binding *b, size_t nb)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct binding *found = NULL;
		for (size_t k = 0; k < nb; k++)
			if (!strcmp(b[k].site, set->v[i].cfg->name))
				found = &b[k];
		reconcile_one(&set->v[i], found);
	}
	stale_check_now(set);
}

static void site_release(struct sites *set, struct siteinfo *si)
{
	act_site_free(si);
	failover_stop(si);
	issue_stop(si);
	certwatch_free(si);
	defaults_site_free(si);
}

/* Moves an unchanged site into the new table, keeping its binding and its timers. */
static void carry_over(struct sites *set, struct siteinfo *old, struct siteinfo *ns,
		       const struct site *nc)
{
	/* Moved whole, then each part's owner sets right what points at the old place. */
	*ns = *old;
	ns->cfg = nc;
	siteindex_detach(ns);
	act_moved(old, ns);
	certwatch_moved(old, ns);
	failover_moved(old, ns);
	issue_moved(old, ns);
	defaults_moved(old, ns);
	old->cfg = NULL;
}

/* Same address and port (and wildcardness): the live binding survives an edit. */
static bool same_binding(const struct site *a, const struct site *b)
{
	return a->wildcard == b->wildcard && a->port == b->port &&
	       (a->wildcard || ipaddr_eq(&a->addr, &b->addr));
}

/* An edited site keeps its binding, unless its address or port was edited. */
static void carry_binding(struct siteinfo *si, const struct sitefsm *old)
{
	const struct addrent *e;
	bool present;

	present = decide_bound(si->cfg, &old->cur, si->set->tab);
	e = present ? addrtab_find_usable(si->set->tab, &old->cur, 0)
		    : addrtab_find(si->set->tab, &old->cur, 0);
	act_apply(si, sitefsm_carry(&si->fsm, old, present, addrent_where(e)));
}

/* What becomes of each new site i: carried over whole, or set up anew keeping prev[i]. */
struct replace {
	struct siteinfo *ns;
	struct sitefsm *prev;
	bool *has_prev, *fresh;
};

/* Unchanged sites move into the new table; edited ones at the same endpoint keep prev. */
static void pair_sites(struct sites *set, const struct policy *np, struct replace *r)
{
	struct siteinfo *os = set->v;

	for (size_t i = 0; i < np->nsites; i++)
		for (size_t k = 0; k < set->n; k++) {
			if (!os[k].cfg || strcmp(os[k].cfg->name, np->sites[i].name))
				continue;
			if (site_equal(os[k].cfg, &np->sites[i])) {
				carry_over(set, &os[k], &r->ns[i], &np->sites[i]);
			} else if (same_binding(os[k].cfg, &np->sites[i])) {
				r->prev[i] = os[k].fsm;
				r->has_prev[i] = true;
			}
		}
}

/* What is left of the old table goes (a site no longer in the policy is said). */
static void release_old(struct sites *set, const struct policy *np)
{
	for (size_t k = 0; k < set->n; k++) {
		struct siteinfo *os = &set->v[k];
		if (!os->cfg)
			continue;
		if (!policy_site(np, os->cfg->name))
			log_msg(LOG_NOTICE, "event=site-removed site=%s reason=\"removed from the "
				"policy; its files are left as they are\"", os->cfg->name);
		site_release(set, os);
	}
	free(set->v);
}

/* Carried sites look again at what may have changed; new ones are reconciled. */
static void settle_new(struct sites *set, const struct replace *r)
{
	for (size_t i = 0; i < set->n; i++) {
		struct siteinfo *si = &set->v[i];
		if (!r->fresh[i]) {
			/* The waiting list pointed into the old table: rebuilt from the flags. */
			if (si->fsm.waiting)
				act_apply(si, FA_WAITLIST);
			/* Unchanged policy, but the certificate may have been replaced on disk. */
			certnotify_recheck(si);
			continue;
		}
		siteindex_update(&set->index, si);
		if (r->has_prev[i])
			carry_binding(si, &r->prev[i]);
		else
			reconcile_one(si, NULL);
	}
}

int sites_replace(struct sites *set, const struct policy *np)
{
	size_t n = np->nsites + 1;
	struct replace r = { .ns = calloc(n, sizeof(*r.ns)), .prev = calloc(n, sizeof(*r.prev)),
			     .has_prev = calloc(n, sizeof(bool)), .fresh = calloc(n, sizeof(bool)) };
	int rc = -1;

	/* Default-binding probes point into the old table; a reload looks again. */
	defaults_free(set);
	if (r.ns && r.prev && r.has_prev && r.fresh) {
		pair_sites(set, np, &r);
		release_old(set, np);
		set->pol = np;
		set->v = r.ns;
		set->n = np->nsites;
		set->waiting = NULL;
		index_build(set);
		/* New and edited sites are set up before the track files are counted. */
		for (size_t i = 0; i < set->n; i++)
			if ((r.fresh[i] = !r.ns[i].cfg))
				site_setup(set, &r.ns[i], &np->sites[i], NULL);
		if (failover_tracks(set) < 0)
			log_warnx("out of memory setting up the failover sites' track files");
		settle_new(set, &r);
		certnotify_watch_all(set);
		defaults_check(set, NULL);
		sites_changed(set, SC_ALL);
		r.ns = NULL;
		rc = 0;
	}
	free(r.ns);
	free(r.prev);
	free(r.has_prev);
	free(r.fresh);
	return rc;
}

struct siteinfo *sites_find(struct sites *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].cfg->name, name))
			return &set->v[i];
	return NULL;
}

void sites_count(const struct sites *set, size_t *bound, size_t *unverified, size_t *unbound,
		 size_t *failed, size_t *standby)
{
	*bound = *unverified = *unbound = *failed = *standby = 0;
	for (size_t i = 0; i < set->n; i++) {
		enum site_state s = set->v[i].fsm.state;
		*bound += s == SS_BOUND || s == SS_WILDCARD;
		*unverified += s == SS_UNVERIFIED;
		*unbound += s == SS_UNBOUND || s == SS_WAITING;
		*failed += s == SS_FAILED;
		*standby += s == SS_STANDBY;
	}
}

void sites_free(struct sites *set)
{
	jobs_free(set);
	certnotify_free(set);
	defaults_free(set);
	for (size_t i = 0; set->v && i < set->n; i++)
		site_release(set, &set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
	siteindex_free(&set->index);
	stale_free(set);
	failover_free(set);
	statefile_cancel(set);
}

void sites_clock_stepped(struct sites *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct siteinfo *si = &set->v[i];
		if (si->fsm.cert_ok)
			certwatch_rearm(si);
		if (!si->fsm.busy)
			issue_arm(si, certfor_issue_due);
	}
}
