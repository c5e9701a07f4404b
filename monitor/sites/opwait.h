/* SPDX-License-Identifier: MIT */
/* An operator waiting for a site's rebind or issue (certbindctl): the one writer of that wait. */
#ifndef CERTBIND_OPWAIT_H
#define CERTBIND_OPWAIT_H

#include "monitor/sites/siteinfo.h"

/* From now on the outcome of si's rebind or issue, good or bad, reaches done(arg). */
void opwait_begin(struct siteinfo *si, rebind_done_fn done, void *arg);
/* Is an operator waiting for si? */
static inline bool opwait_waiting(const struct siteinfo *si) { return si->op_done != NULL; }
/* Tells the waiting operator, if any, once: ok, or why not. */
void opwait_tell(struct siteinfo *si, bool ok, const char *why);
/* Takes the wait away to tell it later (after the state is written): *done may be NULL. */
void opwait_take(struct siteinfo *si, rebind_done_fn *done, void **arg);
/* Forgets the wait (the operator was answered directly: a refusal). */
void opwait_drop(struct siteinfo *si);

#endif
