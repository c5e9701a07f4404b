/* SPDX-License-Identifier: MIT */
/* Listening sockets left on addresses the host no longer has (event=listener-stale). */
#ifndef CERTBIND_STALE_H
#define CERTBIND_STALE_H

#include "monitor/sites/siteinfo.h"

void stale_init(struct sites *set);
void stale_free(struct sites *set);
/* Addresses went away: look for stale listeners (deferred, so a storm costs one dump). */
void stale_addresses_changed(struct sites *set);
/* Look now (start-up). */
void stale_check_now(struct sites *set);

#endif
