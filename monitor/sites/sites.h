/* SPDX-License-Identifier: MIT */
/* The site table's life: built from a policy, reconciled at start, carried over on reload. */
#ifndef CERTBIND_SITES_H
#define CERTBIND_SITES_H

#include "monitor/report/state.h"
#include "monitor/sites/siteinfo.h"

/* An empty table working in env's loop on tab, alerting through alerts. */
void sites_init(struct sites *set, const struct pipe_env *env, const struct addrtab *tab,
		struct alerter *alerts);
/* Builds the table for pol (certificates checked, problems logged). 0 or -1 (ENOMEM). */
int sites_build(struct sites *set, const struct policy *pol);
/*
 * Start-up: takes each site's binding from the state file (when it still belongs to this
 * policy), re-renders the bound ones (one job per server) and treats missing ones as lost.
 */
void sites_reconcile(struct sites *set, const struct binding *b, size_t nb);
/*
 * Reload: np replaces the table's policy. A site whose settings are unchanged keeps its
 * binding and timers; changed and new sites are set up and reconciled. Only between jobs.
 */
int sites_replace(struct sites *set, const struct policy *np);
/* Are jobs running or due (the table must not be replaced then)? */
static inline bool sites_busy(const struct sites *set) { return set->jobs_running || set->ndue; }
struct siteinfo *sites_find(struct sites *set, const char *name);
/* How many sites are bound (or wildcard), unverified, unbound, failed, standby. */
void sites_count(const struct sites *set, size_t *bound, size_t *unverified, size_t *unbound,
		 size_t *failed, size_t *standby);
/* Shutdown: jobs stopped (files restored, operators told), timers and certificates freed. */
/* The wall clock was stepped: every certificate expiry and renewal timer is armed again. */
void sites_clock_stepped(struct sites *set);
void sites_free(struct sites *set);

#endif
