/* SPDX-License-Identifier: MIT */
/* A site's certificate for the address it is to be bound to, before it joins a job. */
#ifndef CERTBIND_CERTFOR_H
#define CERTBIND_CERTFOR_H

#include "monitor/sites/siteinfo.h"

/* si joins a job to `to` (initial: a pass at its own binding), after its certificate for
 * `to` is there (issued first if the site issues its own) and covers it (san_check). */
void certfor_start_job(struct siteinfo *si, bool initial, const struct ipaddr *to,
		       struct where at);
/* Issues for the site's current binding now; 0 started, or a negative errno. */
int certfor_issue_now(struct siteinfo *si, bool forced);
/* certbindctl issue for a site on its way elsewhere: a certificate for `to` (forced), then
 * the rebind to it (the caller drops a settle window in progress). 0, or -errno (logged). */
int certfor_issue_rebind(struct siteinfo *si, const struct ipaddr *to, struct where at);
/* A site's renewal threshold or backoff came: issue (again) for its binding. */
void certfor_issue_due(struct siteinfo *si);
/* Start-up: a site that issues but has no usable certificate gets one. */
void certfor_issue_missing(struct siteinfo *si);

#endif
