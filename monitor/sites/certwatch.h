/* SPDX-License-Identifier: MIT */
/* A site's certificate over time: problems reported, expiry timers, re-checks before a rebind. */
#ifndef CERTBIND_CERTWATCH_H
#define CERTBIND_CERTWATCH_H

#include "monitor/sites/siteinfo.h"

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

/* Start-up: si's certificate loaded through the cache (problems appended to errs); 0 usable. */
int certwatch_load(struct siteinfo *si, struct certcache *cc, struct errlist *errs);
/* ci (a certificate just proven served) becomes si's own: the caller gives up its copy. */
void certwatch_adopt(struct siteinfo *si, const struct certinfo *ci);
/* si moved to ns: its certificate and expiry timer go with it. */
void certwatch_moved(struct siteinfo *old, struct siteinfo *ns);
/* si leaves the table: its timer cancelled, its certificate freed. */
void certwatch_free(struct siteinfo *si);

#endif
