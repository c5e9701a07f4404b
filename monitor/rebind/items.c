// SPDX-License-Identifier: MIT
/* The bookkeeping over a job's items that every step of the pipeline shares. */
#include "monitor/rebind/items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/rebind/targets.h"

void items_reset(struct pipe_item *items, size_t n, struct pipe_job *j)
{
	for (size_t i = 0; i < n; i++) {
		items[i].job = j;
		items[i].outcome = PO_PENDING;
		items[i].rewrote = items[i].rolled_back = false;
		items[i].reason[0] = '\0';
		items[i].hint = NULL;
		items[i].old_served = 0;
		items[i].again = items[i].unreached = items[i].disable = false;
	}
}

size_t items_mark_pending(const struct pipe_item *items, size_t n, bool *pend)
{
	size_t np = 0;

	for (size_t i = 0; i < n; i++)
		np += (pend[i] = items[i].outcome == PO_PENDING);
	return np;
}

size_t items_fail_pending(struct pipe_item *items, size_t n, const char *reason)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++)
		if (items[i].outcome == PO_PENDING) {
			snprintf(items[i].reason, sizeof(items[i].reason), "%s", reason);
			items[i].outcome = PO_FAILED;
			failed++;
		}
	return failed;
}

void items_save_reason(struct pipe_item *it)
{
	free(it->tmp_reason);
	it->tmp_reason = strdup(it->reason);
}

void items_restore_reason(struct pipe_item *it)
{
	/* Out of memory when saving: the proof's own words stay, which says less, not wrong. */
	if (it->tmp_reason)
		snprintf(it->reason, sizeof(it->reason), "%s", it->tmp_reason);
	free(it->tmp_reason);
	it->tmp_reason = NULL;
}

void items_release(struct pipe_item *it)
{
	targets_free(it);
	free(it->tmp_reason);
	it->tmp_reason = NULL;
}

void items_tell_rolled_back(struct pipe_item *items, size_t n, const char *what,
			    const char *why)
{
	for (size_t i = 0; i < n; i++) {
		struct pipe_item *it = &items[i];
		size_t len = strlen(it->reason);
		if (it->outcome == PO_FAILED && it->rolled_back)
			snprintf(it->reason + len, sizeof(it->reason) - len, "; %s%s%s%s", what,
				 why ? " (" : "", why ? why : "", why ? ")" : "");
	}
}
