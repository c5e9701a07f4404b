/* SPDX-License-Identifier: MIT */
/* What certbindd knows of each server, by name (the record outlives policy reloads). */
#ifndef CERTBIND_SERVERREC_H
#define CERTBIND_SERVERREC_H

#include <stdbool.h>

#include "monitor/sites/siteinfo.h"

/* Reloaded by certbindd since it started: the server runs what is on disk. */
bool serverrec_synced(const struct sites *set, const struct server_cfg *srv);
/* How long its last check took (ms); 0 if none yet. */
unsigned serverrec_check_ms(const struct sites *set, const struct server_cfg *srv);
/* What a job did to its server. */
void serverrec_note(struct sites *set, const struct server_cfg *srv,
		    const struct pipe_report *r);

#endif
