/* SPDX-License-Identifier: MIT */
/* The "all unassigned addresses" binding proven: a wildcard site's certificate on each address. */
#ifndef CERTBIND_DEFAULTS_H
#define CERTBIND_DEFAULTS_H

#include "monitor/sites/siteinfo.h"

/*
 * A usable address appeared (or, with e NULL, every address, when a wildcard site was just
 * proven): handshake ADDRESS:PORT for every wildcard site whose port no specific site holds
 * there, and check that the wildcard site's certificate is served (event=default-served, or
 * a warning when something else is). Never polled: only on these events.
 */
void defaults_check(struct sites *set, const struct addrent *e);
/* The address went away: it is no longer counted as served. */
void defaults_forget(struct sites *set, const struct ipaddr *a);
/* The addresses proven to serve si's certificate (si a wildcard site). */
size_t defaults_proven(const struct siteinfo *si, const struct ipaddr **v);
void defaults_free(struct sites *set);

/* si moved to ns: its proven addresses go with it. */
void defaults_moved(struct siteinfo *old, struct siteinfo *ns);
/* si leaves the table: its proven addresses freed. */
void defaults_site_free(struct siteinfo *si);

#endif
