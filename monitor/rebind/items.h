/* SPDX-License-Identifier: MIT */
/* A job's items as a group: reset for a job, which are in play, failed together, reasons added. */
#ifndef CERTBIND_ITEMS_H
#define CERTBIND_ITEMS_H

#include "monitor/rebind/pipeline.h"

/* Every item of a new job: in play, with no outcome, reason or marks from an earlier one. */
void items_reset(struct pipe_item *items, size_t n, struct pipe_job *j);
/* Marks in pend which items are still in play; returns how many. */
size_t items_mark_pending(const struct pipe_item *items, size_t n, bool *pend);
/* Every item still in play fails with reason; returns how many did. */
size_t items_fail_pending(struct pipe_item *items, size_t n, const char *reason);
/* Keeps its reason aside while its old binding is proven (restore puts it back). */
void items_save_reason(struct pipe_item *it);
void items_restore_reason(struct pipe_item *it);
/* The end of its job: its files' copies and anything kept aside freed. */
void items_release(struct pipe_item *it);
/* Appends "; what (why)" (why may be NULL) to the reason of every rolled-back item. */
void items_tell_rolled_back(struct pipe_item *items, size_t n, const char *what,
			    const char *why);

#endif
