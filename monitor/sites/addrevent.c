// SPDX-License-Identifier: MIT
/* Address and link events into site transitions: losses, returns, arrivals, DAD failures. */
#include "monitor/sites/addrevent.h"

#include <time.h>

#include "monitor/core/log.h"
#include "monitor/sites/act.h"
#include "monitor/sites/certfor.h"
#include "monitor/sites/defaults.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/sitelog.h"
#include "monitor/sites/stale.h"

/* Sites waiting for a replacement get another look, if this address matches. O(waiting). */
static void wake_waiting(struct sites *set, const struct addrent *e)
{
	for (struct siteinfo *w = set->waiting; w; w = w->wnext) {
		struct decide_ctx ctx;
		if (timer_armed(&w->settle))
			continue;
		act_decide_ctx(w, &ctx);
		if (decide_follows(w->cfg, &w->fsm.cur, &ctx, e))
			act_apply(w, sitefsm_addr_wake(&w->fsm));
	}
}

static void report_dad(struct sites *set, const struct addrent *e)
{
	char a[IPADDR_STRLEN];
	const char *ifname = addrtab_link_name(set->tab, e->ifindex);

	for (size_t i = 0; i < set->n; i++) {
		struct siteinfo *si = &set->v[i];
		struct decide_ctx ctx;
		bool uses = !si->cfg->wildcard && ipaddr_eq(&si->fsm.cur, &e->ip);
		bool could;
		act_decide_ctx(si, &ctx);
		could = si->cfg->on_change == ONC_REBIND && !si->cfg->wildcard &&
			decide_follows(si->cfg, &si->fsm.cur, &ctx, e);
		if (uses || could) {
			struct ev ev;
			ev_begin(&ev, "dad-failed");
			ev_add(&ev, "site", si->cfg->name);
			ev_add(&ev, "address", ipaddr_str(&e->ip, a, sizeof(a)));
			ev_add(&ev, "interface", ifname ? ifname : "?");
			ev_emit(&ev, LOG_ERR);
			sitelog_event(si, "dad-failed");
		}
	}
}

/* The sites on e's address, unless every one of them is pinned to another interface. */
static struct sitegroup *group_of(struct sites *set, const struct addrent *e)
{
	struct sitegroup *g = siteindex_find(&set->index, &e->ip);

	/* One look decides for a whole group pinned to another interface. */
	return g && sitegroup_pinned_elsewhere(g, set->tab, e->ifindex) ? NULL : g;
}

void addrevent_address(struct sites *set, const struct addrent *e, enum addr_change chg)
{
	struct sitegroup *g;
	long long now;

	switch (chg) {
	case AC_GONE:
		now = time(NULL);
		g = group_of(set, e);
		for (size_t i = 0; g && i < g->n; i++)
			if (!decide_bound(g->v[i]->cfg, &g->v[i]->fsm.cur, set->tab))
				act_apply(g->v[i], sitefsm_addr_lost(&g->v[i]->fsm, now));
		stale_addresses_changed(set);
		defaults_forget(set, &e->ip);
		break;
	case AC_APPEARED:
		g = group_of(set, e);
		for (size_t i = 0; g && i < g->n; i++)
			if (g->v[i]->fsm.failover && decide_bound(g->v[i]->cfg, &g->v[i]->fsm.cur,
								   set->tab)) {
				/* A VIP: the takeover's clock starts now. */
				failover_vip_arrived(g->v[i]);
				act_apply(g->v[i], sitefsm_addr_back(&g->v[i]->fsm));
				certfor_issue_missing(g->v[i]);
			} else if ((g->v[i]->fsm.state == SS_UNBOUND || g->v[i]->fsm.state == SS_WAITING) &&
			    decide_bound(g->v[i]->cfg, &g->v[i]->fsm.cur, set->tab))
				act_apply(g->v[i], sitefsm_addr_back(&g->v[i]->fsm));
		wake_waiting(set, e);
		defaults_check(set, e);
		break;
	case AC_DADFAILED:
		report_dad(set, e);
		/* A site waiting for this address to finish DAD must now decide without it. */
		wake_waiting(set, e);
		break;
	default:
		break;
	}
}

/* Bound again, or lost: what the table now says about si's address. */
static void recheck(struct siteinfo *si, long long now)
{
	if (decide_bound(si->cfg, &si->fsm.cur, si->set->tab))
		act_apply(si, sitefsm_addr_back(&si->fsm));
	else
		act_apply(si, sitefsm_addr_lost(&si->fsm, now));
}

void addrevent_links(struct sites *set)
{
	long long now = time(NULL);

	for (size_t i = 0; i < set->n; i++) {
		struct siteinfo *si = &set->v[i];
		if (si->cfg->wildcard || (!si->cfg->interface && !si->cfg->follow.interface))
			continue;
		recheck(si, now);
		act_apply(si, sitefsm_addr_wake(&si->fsm));
	}
}

void addrevent_resync(struct sites *set)
{
	long long now = time(NULL);

	/* Sites on addresses that moved were marked by the diff; others are re-checked anyway. */
	for (size_t i = 0; i < set->n; i++)
		if (!set->v[i].cfg->wildcard)
			recheck(&set->v[i], now);
}
