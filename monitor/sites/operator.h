/* SPDX-License-Identifier: MIT */
/* What an operator asks of a site through certbindctl: rebind now, issue a certificate now. */
#ifndef CERTBIND_OPERATOR_H
#define CERTBIND_OPERATOR_H

#include "monitor/sites/siteinfo.h"

/*
 * Rebind to `to`, or to the best candidate when NULL. Returns 0 when the rebind joined a job
 * (done is told the outcome), or -1 with the refusal in err.
 */
int operator_rebind(struct sites *set, struct siteinfo *si, const struct ipaddr *to,
		    rebind_done_fn done, void *arg, char *err, size_t errlen);
/*
 * A certificate for the site's current address now (backoff or not), then rendered,
 * reloaded and proven. 0: done is told the outcome; -1: refused (err).
 */
int operator_issue(struct sites *set, struct siteinfo *si, rebind_done_fn done, void *arg,
		   char *err, size_t errlen);

#endif
