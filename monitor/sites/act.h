/* SPDX-License-Identifier: MIT */
/* The executor: a site's timers and transitions in, what they ask for carried out. */
#ifndef CERTBIND_ACT_H
#define CERTBIND_ACT_H

#include "monitor/sites/siteinfo.h"

/* Sets up si's settle and reminder timers (a new site, or one moved to a new table). */
void act_site_init(struct siteinfo *si);
/* Carries out what a transition of si asked for (enum fsm_act bits). */
void act_apply(struct siteinfo *si, unsigned acts);
/* A failed rebind's inputs changed (its certificate was replaced): try it again now. */
void act_retry_now(struct siteinfo *si);

/* The decision's context for si: the address table, and the other sites through the index. */
void act_decide_ctx(struct siteinfo *si, struct decide_ctx *ctx);

/* The site's candidate replacement addresses (best first). */
size_t act_candidates(struct sites *set, struct siteinfo *si, struct ipaddr *out, size_t max);
/* Does another site hold (or is about to take) a:port? (arg: the site table) */
bool act_endpoint_taken(void *arg, const struct site *self, const struct ipaddr *a,
			unsigned port);

/* si leaves the table: its settle, reminder, re-verification and retry timers cancelled. */
void act_site_free(struct siteinfo *si);
/* si moved to ns (a policy reload carried it over): its timers follow, off the waiting list
 * (the new table's is built anew). */
void act_moved(struct siteinfo *old, struct siteinfo *ns);
/* An operator's rebind decides now: a pending settle window is dropped. */
void act_settle_cancel(struct siteinfo *si);

#endif
