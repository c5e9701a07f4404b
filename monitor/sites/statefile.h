/* SPDX-License-Identifier: MIT */
/* The sites' bindings into the state file: written once per loop pass, or at once when asked. */
#ifndef CERTBIND_STATEFILE_H
#define CERTBIND_STATEFILE_H

#include "monitor/sites/siteinfo.h"

/* Writes the state file if anything changed (not in a dry run). 0, or -1 (logged, retried). */
int statefile_flush(struct sites *set);
/*
 * The end of a loop pass: events and state names changed (no binding moved: those are
 * committed at once by outcome.c). Writing the file takes at most 1/STATEFILE_SHARE of the
 * time: the next write waits STATEFILE_SHARE - 1 times what the last one took (at most
 * STATEFILE_COALESCE_MS), the changes meanwhile written by a timer. A few sites' file is
 * written within milliseconds; 10,000 sites make a 3 MB file that must not be rewritten on
 * every pass while a renumbering trickles in.
 */
#define STATEFILE_SHARE 20
#define STATEFILE_COALESCE_MS 1000
void statefile_pass_end(struct sites *set);
/* A coalesced write still waiting: cancelled (the caller flushes, e.g. at stop). */
void statefile_cancel(struct sites *set);

#endif
