// SPDX-License-Identifier: MIT
/* Stale listeners: each reported once while it lasts, named by site and owning process. */
#include "monitor/sites/stale.h"

#include <stdio.h>
#include <stdint.h>
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

static void report(const struct site *site, const struct listener *l, int pid)
{
	char ep[ENDPOINT_STRLEN], comm[64] = "";
	struct ev e;

	/* A socket that can never accept again: the exact symptom of a forgotten binding. */
	ev_begin(&e, "listener-stale");
	if (site)
		ev_add(&e, "site", site->name);
	ev_add(&e, "endpoint", endpoint_str(&l->addr, l->port, ep, sizeof(ep)));
	if (pid) {
		listeners_comm(pid, comm, sizeof(comm));
		ev_addf(&e, "pid", "%d", pid);
		ev_add(&e, "process", comm);
	}
	ev_add(&e, "reason", "a listening socket is bound to an address this host no "
	       "longer has; it accepts nothing until that address returns");
	ev_emit(&e, LOG_WARNING);
}

static const struct listener *sort_base;

static int by_inode(const void *a, const void *b)
{
	uint32_t x = sort_base[*(const size_t *)a].inode, y = sort_base[*(const size_t *)b].inode;

	return x < y ? -1 : x > y;
}

/* The new stale listeners v[idx[0..n)], said with their owners: one /proc scan for all. */
static void report_all(const struct sites *set, const struct listener *v, size_t *idx,
		       size_t n)
{
	uint32_t *inodes;
	int *pids;

	if (!n || !idx)
		return;
	inodes = calloc(n + 1, sizeof(*inodes));
	pids = calloc(n + 1, sizeof(*pids));
	/* In inode order, as listeners_owners sorts them: pids[i] is idx[i]'s owner. */
	sort_base = v;
	qsort(idx, n, sizeof(*idx), by_inode);
	for (size_t i = 0; inodes && i < n; i++)
		inodes[i] = v[idx[i]].inode;
	if (inodes && pids)
		listeners_owners(inodes, n, pids);
	for (size_t i = 0; i < n; i++)
		report(site_on(set, &v[idx[i]]), &v[idx[i]], inodes && pids ? pids[i] : 0);
	free(inodes);
	free(pids);
}

/* A listener on an absent address that its site keeps on purpose: not news. */
static bool expected(const struct sites *set, const struct listener *l)
{
	const struct site *site = site_on(set, l);
	char ep[ENDPOINT_STRLEN];

	if (!site || (site->on_change != ONC_IGNORE && !site->failover.track_file))
		return false;
	/* A failover standby listens on its absent VIP on purpose. */
	log_debug("site %s: listener on absent %s (%s)", site->name,
		  endpoint_str(&l->addr, l->port, ep, sizeof(ep)),
		  site->failover.track_file ? "failover standby" : "on_change = ignore");
	return true;
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
	size_t n = 0, nnow = 0, nfresh = 0, *fresh;

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
	fresh = calloc(n + 1, sizeof(*fresh));
	for (size_t i = 0; now && fresh && i < n; i++) {
		const struct listener *l = &v[i];

		if (l->any || addrtab_find(set->tab, &l->addr, 0))
			continue;
		now[nnow].a = l->addr;
		now[nnow++].port = l->port;
		if (!was_reported(set, l) && !expected(set, l))
			fresh[nfresh++] = i;
	}
	report_all(set, v, fresh, nfresh);
	free(fresh);
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
