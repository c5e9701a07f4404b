// SPDX-License-Identifier: MIT
/* certbindctl rebind and issue: refused with a reason, or started with the operator told later. */
#include "monitor/sites/operator.h"

#include <stdio.h>

#include "monitor/sites/act.h"
#include "monitor/sites/certfor.h"
#include "monitor/sites/certwatch.h"
#include "monitor/sites/issue.h"
#include "monitor/sites/jobs.h"
#include "monitor/sites/opwait.h"

int operator_rebind(struct sites *set, struct siteinfo *si, const struct ipaddr *to,
		    rebind_done_fn done, void *arg, char *err, size_t errlen)
{
	struct ipaddr best;
	const struct addrent *e;
	/* A site with one certificate per address needs the new address's, not the old. */
	bool per_address = si->cfg->cert_per_address || si->cfg->issue.command;

	if (si->cfg->wildcard)
		return snprintf(err, errlen, "site %s is bound to all addresses", si->cfg->name), -1;
	if (si->fsm.busy)
		return snprintf(err, errlen, "site %s has a rebind in progress", si->cfg->name), -1;
	if (jobs_server_busy(set, si->cfg))
		return snprintf(err, errlen, "a rebind of another site of the same server is in "
				"progress; try again in a moment"), -1;
	if (!si->fsm.cert_ok || (!per_address && certwatch_recheck(si, NULL) < 0))
		return snprintf(err, errlen, "site %s has an unusable certificate", si->cfg->name), -1;
	if (!to) {
		if (!act_candidates(set, si, &best, 1))
			return snprintf(err, errlen, "no candidate address matches follow"), -1;
		to = &best;
	}
	e = addrtab_find_usable(set->tab, to, 0);
	if (!e)
		return snprintf(err, errlen, "address is not present (and usable) on this host"), -1;
	if (act_endpoint_taken(set, si->cfg, to, si->cfg->port))
		return snprintf(err, errlen, "another site holds that address and port"), -1;
	act_settle_cancel(si);
	/* From here on the outcome, good or bad, reaches the caller through done. */
	opwait_begin(si, done, arg);
	certfor_start_job(si, false, to, (struct where){ .ifindex = e->ifindex, .plen = e->prefixlen });
	if (!si->fsm.busy && opwait_waiting(si)) {
		opwait_drop(si);
		return snprintf(err, errlen, "rebind refused (see the log)"), -1;
	}
	return 0;
}

int operator_issue(struct sites *set, struct siteinfo *si, rebind_done_fn done, void *arg,
		   char *err, size_t errlen)
{
	if (!si->cfg->issue.command)
		return snprintf(err, errlen, "site %s has no issue command", si->cfg->name), -1;
	if (si->cfg->wildcard)
		return snprintf(err, errlen, "site %s is bound to all addresses", si->cfg->name), -1;
	if (si->fsm.busy)
		return snprintf(err, errlen, "site %s has a rebind or an issue in progress",
				si->cfg->name), -1;
	opwait_begin(si, done, arg);
	if (!addrtab_find_usable(set->tab, &si->fsm.cur, 0)) {
		/* On its way elsewhere (its address is gone): for where a rebind would take it. */
		struct ipaddr best;
		const struct addrent *e;
		if (!act_candidates(set, si, &best, 1) || !(e = addrtab_find_usable(set->tab, &best, 0))) {
			opwait_drop(si);
			return snprintf(err, errlen, "the site's address is not on this host and no "
					"candidate address matches follow"), -1;
		}
		/* Deciding now: a settle window in progress is dropped. */
		act_settle_cancel(si);
		certfor_issue_rebind(si, &best, (struct where){ .ifindex = e->ifindex,
								.plen = e->prefixlen });
	} else {
		/* Forced: whatever the certificate on disk and any backoff; then bound and proven. */
		issue_drop_pending(si);
		certfor_issue_now(si, true);
	}
	if (!si->fsm.busy && opwait_waiting(si)) {
		opwait_drop(si);
		return snprintf(err, errlen, "the issue command could not be started (see the log)"), -1;
	}
	return 0;
}
