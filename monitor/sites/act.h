/* SPDX-License-Identifier: MIT */
/* What happens to sites: address events and timers in, state machine transitions carried out. */
#ifndef CERTBIND_ACT_H
#define CERTBIND_ACT_H

#include "monitor/sites/site.h"

/* Sets up si's settle and reminder timers (a new site, or one moved to a new table). */
void act_site_init(struct siteinfo *si);
/* Carries out what a transition of si asked for (enum fsm_act bits). */
void act_apply(struct siteinfo *si, unsigned acts);

/* The address table changed: e was added, removed or changed usability. */
void act_address(struct sites *set, const struct addrent *e, enum addr_change chg);
/* A link appeared, was renamed or went: sites that name interfaces look again. */
void act_links(struct sites *set);
/* Events were lost and re-dumped: every site looks again. */
void act_resync(struct sites *set);

/* The site's candidate replacement addresses (best first). */
size_t act_candidates(struct sites *set, struct siteinfo *si, struct ipaddr *out, size_t max);
/*
 * Operator rebind: to `to`, or to the best candidate when NULL. Returns 0 when the rebind
 * joined a job (done is told the outcome), or -1 with the refusal in err.
 */
int act_rebind(struct sites *set, struct siteinfo *si, const struct ipaddr *to,
	       rebind_done_fn done, void *arg, char *err, size_t errlen);
/*
 * certbindctl issue: a certificate for the site's current address now (backoff or not),
 * then rendered, reloaded and proven. 0: done is told the outcome; -1: refused (err).
 */
int act_issue(struct sites *set, struct siteinfo *si, rebind_done_fn done, void *arg,
	      char *err, size_t errlen);
/* A site's renewal threshold or backoff came: issue (again) for its binding. */
void act_issue_due(struct siteinfo *si);
/* Start-up: a site that issues but has no usable certificate gets one. */
void act_issue_missing(struct siteinfo *si);
/* End of a loop pass: the sites that became due join their server's job. */
void act_pass_end(struct sites *set);

#endif
