/* SPDX-License-Identifier: MIT */
/* What happens to sites: address events and timers in, state machine transitions carried out. */
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
/* si joins a job to `to` (initial: a pass at its own binding), after its certificate for
 * `to` is there (issued first if the site issues its own). */
void act_start_job(struct siteinfo *si, bool initial, const struct ipaddr *to,
		   struct where at);
/* Does another site hold (or is about to take) a:port? (arg: the site table) */
bool act_endpoint_taken(void *arg, const struct site *self, const struct ipaddr *a,
			unsigned port);
/* Issues for the site's current binding now; 0 started, or a negative errno. */
int act_issue_now(struct siteinfo *si, bool forced);
/* certbindctl issue for a site on its way elsewhere: a certificate for `to` (forced), then
 * the rebind to it. 0, or -errno (logged). */
int act_issue_rebind(struct siteinfo *si, const struct ipaddr *to, struct where at);
/* A site's renewal threshold or backoff came: issue (again) for its binding. */
void act_issue_due(struct siteinfo *si);
/* Start-up: a site that issues but has no usable certificate gets one. */
void act_issue_missing(struct siteinfo *si);

/* si leaves the table: its settle, reminder, re-verification and retry timers cancelled. */
void act_site_free(struct siteinfo *si);
/* si moved to ns (a policy reload carried it over): its timers follow, off the waiting list
 * (the new table's is built anew). */
void act_moved(struct siteinfo *old, struct siteinfo *ns);
/* An operator's rebind decides now: a pending settle window is dropped. */
void act_settle_cancel(struct siteinfo *si);

#endif
