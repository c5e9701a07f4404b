/* SPDX-License-Identifier: MIT */
/* What the address table's changes mean for the sites: each event becomes their transitions. */
#ifndef CERTBIND_ADDREVENT_H
#define CERTBIND_ADDREVENT_H

#include "monitor/sites/siteinfo.h"

/* The address table changed: e was added, removed or changed usability. */
void addrevent_address(struct sites *set, const struct addrent *e, enum addr_change chg);
/* A link appeared, was renamed or went: sites that name interfaces look again. */
void addrevent_links(struct sites *set);
/* Events were lost and re-dumped: every site looks again. */
void addrevent_resync(struct sites *set);

#endif
