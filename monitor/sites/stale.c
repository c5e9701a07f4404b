// SPDX-License-Identifier: MIT
/* Stale listeners: each reported once while it lasts, named by site and owning process. */
#include "monitor/sites/stale.h"

#include <stdio.h>
#include <stdlib.h>

#include "monitor/core/log.h"
#include "netlink/listeners.h"

#define STALE_DELAY_MS 1000   /* a storm of losses costs one listener dump a second */

static bool was_reported(const struct sites *set, const struct listener *l)
{
	for (size_t i = 0; i < set->nstale; i++)
		if (set->stale[i].port == l->port && ipaddr_eq(&set->stale[i].a, &l->addr))
			return true;
	return false;
}

static const struct site *site_on(const struct sites *set, const struct listener *l)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct siteinfo *si = &set->v[i];
		if (!si->cfg->wildcard && si->cfg->port == l->port &&
		    (ipaddr_eq(&si->fsm.cur, &l->addr) || ipaddr_eq(&si->cfg->addr, &l->addr)))
			return si->cfg;
	}
	return NULL;
}

static void report(const struct site *site, const struct listener *l)
{
	char ep[ENDPOINT_STRLEN], comm[64] = "";
	struct ev e;
	int pid;

	/* A socket that can never accept again: the exact symptom of a forgotten binding. */
	pid = listeners_owner(l->inode, comm, sizeof(comm));
	ev_begin(&e, "listener-stale");
	if (site)
		ev_add(&e, "site", site->name);
	ev_add(&e, "endpoint", endpoint_str(&l->addr, l->port, ep, sizeof(ep)));
	if (pid) {
		ev_addf(&e, "pid", "%d", pid);
		ev_add(&e, "process", comm);
	}
	ev_add(&e, "reason", "a listening socket is bound to an address this host no "
	       "longer has; it accepts nothing until that address returns");
	ev_emit(&e, LOG_WARNING);
}

/* Is some site still settling or in a job (about to move its own listener)? O(sites), at
 * most once per STALE_DELAY_MS while addresses change. */
static bool deciding(const struct sites *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].fsm.busy || timer_armed(&set->v[i].settle))
			return true;
	return false;
}

static void stale_check(void *arg)
{
	struct sites *set = arg;
	struct listener *v = NULL;
	struct stale *now = NULL;
	size_t n = 0, nnow = 0;

	/* A job in flight is moving listeners itself (a renumbering's old sockets close with
	 * its reload): look once it is over, not at a thousand sockets about to go. */
	if (set->jobs_running || set->ndue || deciding(set)) {
		loop_arm(set->L, &set->stale_timer, now_ms() + STALE_DELAY_MS);
		return;
	}
	if (!set->env.listeners || listeners_dump(set->env.listeners, &v, &n) < 0) {
		free(v);
		return;
	}
	now = calloc(n + 1, sizeof(*now));
	for (size_t i = 0; now && i < n; i++) {
		const struct listener *l = &v[i];
		const struct site *site;
		char ep[ENDPOINT_STRLEN];

		if (l->any || addrtab_find(set->tab, &l->addr, 0))
			continue;
		now[nnow].a = l->addr;
		now[nnow++].port = l->port;
		if (was_reported(set, l))
			continue;
		site = site_on(set, l);
		if (site && (site->on_change == ONC_IGNORE || site->failover.track_file)) {
			/* A failover standby listens on its absent VIP on purpose. */
			log_debug("site %s: listener on absent %s (%s)", site->name,
				  endpoint_str(&l->addr, l->port, ep, sizeof(ep)),
				  site->failover.track_file ? "failover standby" : "on_change = ignore");
			continue;
		}
		report(site, l);
	}
	free(v);
	/* Remember what is stale now: reported once while it lasts, again if it recurs. */
	free(set->stale);
	set->stale = now;
	set->nstale = nnow;
}

void stale_init(struct sites *set)
{
	set->stale_timer = (struct timer){ .fn = stale_check, .arg = set };
}

void stale_free(struct sites *set)
{
	loop_cancel(set->L, &set->stale_timer);
	free(set->stale);
	set->stale = NULL;
	set->nstale = 0;
}

void stale_addresses_changed(struct sites *set)
{
	if (!timer_armed(&set->stale_timer))
		loop_arm(set->L, &set->stale_timer, now_ms() + STALE_DELAY_MS);
}

void stale_check_now(struct sites *set)
{
	loop_cancel(set->L, &set->stale_timer);
	stale_check(set);
}
