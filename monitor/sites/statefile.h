/* SPDX-License-Identifier: MIT */
/* The sites' bindings into the state file: written once per loop pass, or at once when asked. */
#ifndef CERTBIND_STATEFILE_H
#define CERTBIND_STATEFILE_H

#include "monitor/sites/site.h"

/* Writes the state file if anything changed (not in a dry run). 0, or -1 (logged, retried). */
int statefile_flush(struct sites *set);

#endif
