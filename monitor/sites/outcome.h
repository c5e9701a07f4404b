/* SPDX-License-Identifier: MIT */
/* Job outcomes into site state: every outcome of a round applied, the state written once, then told. */
#ifndef CERTBIND_OUTCOME_H
#define CERTBIND_OUTCOME_H

#include "monitor/sites/siteinfo.h"

/* A site's outcome in its job: its transition applied now, what to tell kept for later. */
void outcome_item(struct siteinfo *si, const struct pipe_item *it);
/* Every outcome of a round is in: the state file written once (a moved binding is committed
 * before anyone hears of it), then the events, the operators waiting, the next decisions. */
void outcome_told(struct sites *set);
/* The end of a loop pass: the sites that became due join jobs, one per server. */
void outcome_pass_end(struct sites *set);
/* The server's job ended: rebinds that waited for it go next. */
void outcome_job_end(struct sites *set, const struct site *server_of);

#endif
