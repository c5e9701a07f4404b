/* SPDX-License-Identifier: MIT */
/* A site's certificate over time: problems reported, expiry timers, re-checks before a rebind. */
#ifndef CERTBIND_CERTWATCH_H
#define CERTBIND_CERTWATCH_H

#include "monitor/sites/site.h"

/* Logs certificate problems (errs may be NULL) and arms si's expiry timer. */
void certwatch_report(struct siteinfo *si, const struct errlist *errs);
/*
 * Re-reads si's certificate and key (only when the files changed). 0 usable; -1 not (logged,
 * the site failed). *changed (may be NULL) says whether the certificate is another one now.
 */
int certwatch_recheck(struct siteinfo *si, bool *changed);
/* si's certificate was replaced (a new one proven): judge it and arm its timers anew. */
void certwatch_changed(struct siteinfo *si);
/* Stops si's timer (the site goes away, or is carried into another table). */
void certwatch_cancel(struct siteinfo *si);
/* The wall clock was stepped: the expiry timer armed again for the same threshold. */
void certwatch_rearm(struct siteinfo *si);

#endif
