// SPDX-License-Identifier: MIT
/* The operator's wait for a site: begun by certbindctl, told once by whoever ends it. */
#include "monitor/sites/opwait.h"

void opwait_begin(struct siteinfo *si, rebind_done_fn done, void *arg)
{
	si->op_done = done;
	si->op_arg = arg;
}

void opwait_take(struct siteinfo *si, rebind_done_fn *done, void **arg)
{
	*done = si->op_done;
	*arg = si->op_arg;
	opwait_drop(si);
}

void opwait_tell(struct siteinfo *si, bool ok, const char *why)
{
	rebind_done_fn done;
	void *arg;

	/* Taken first: the callback may start another wait on the same site. */
	opwait_take(si, &done, &arg);
	if (done)
		done(arg, ok, why);
}

void opwait_drop(struct siteinfo *si)
{
	si->op_done = NULL;
	si->op_arg = NULL;
}
