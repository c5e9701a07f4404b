/* SPDX-License-Identifier: MIT */
/* Sites into pipeline jobs: every site of one server that is due in a loop pass joins one job. */
#ifndef CERTBIND_JOBS_H
#define CERTBIND_JOBS_H

#include "monitor/sites/siteinfo.h"

/*
 * A site's outcome in its job (it is out of the job already); after every outcome of a
 * round, told (the state is written once, then everyone is told); the end of a whole job.
 */
typedef void (*jobs_item_fn)(struct siteinfo *si, const struct pipe_item *it);
typedef void (*jobs_told_fn)(struct sites *set);
typedef void (*jobs_end_fn)(struct sites *set, const struct site *server_of);

/* si joins a job at the end of this loop pass: to `to` (NULL: its wildcard), sitting at. */
int jobs_add(struct siteinfo *si, const struct ipaddr *to, struct where at, bool initial);
/* Is a:port the destination of another site than self that is due or in a job? */
bool jobs_reserved(const struct sites *set, const struct site *self, const struct ipaddr *a,
		   unsigned port);
/* Is a job of si's server running (sites without a reload command share no server)? */
bool jobs_server_busy(const struct sites *set, const struct site *cfg);
/* Starts one job per server for the sites that are due. */
void jobs_start_due(struct sites *set, jobs_item_fn on_item, jobs_told_fn on_told,
		    jobs_end_fn on_end);
/* Shutdown: every job stopped and its files restored; the operators waiting are told. */
void jobs_abort_all(struct sites *set);
/* jobs_abort_all, and what the table remembers of its servers. */
void jobs_free(struct sites *set);

#endif
