/* SPDX-License-Identifier: MIT */
/* Certificates for an address: when one must be issued, the issue command, backoff, renewal. */
#ifndef CERTBIND_ISSUE_H
#define CERTBIND_ISSUE_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/sites/siteinfo.h"

enum issue_need {
	IN_OK,       /* usable for the address as it is (*ci loaded, or nothing to load) */
	IN_ISSUE,    /* the issue command must run first (why says why) */
	IN_BAD,      /* unusable, and the site has no issue command (why) */
};

/*
 * The certificate a site would serve on `to`: loaded into *ci when the site has an issue
 * command or one certificate per address (ci->leaf NULL otherwise: the site's own stays).
 */
enum issue_need issue_check(struct siteinfo *si, const struct ipaddr *to, struct certinfo *ci,
			    char *why, size_t len);

/* Told when an issue attempt ended: ok with si->pending holding the new certificate. */
typedef void (*issue_done_fn)(struct siteinfo *si, bool ok, const char *why);

/*
 * Runs the issue command for `to` (the site bound at `old`, or NULL), never blocking; then
 * loads the certificate for `to` and requires that it parses, matches its key, covers `to`
 * and is in date. Refused (-EAGAIN) while failures back off, unless forced. 0: done follows.
 */
int issue_start(struct siteinfo *si, const struct ipaddr *to, const struct ipaddr *old,
		bool forced, issue_done_fn done);
/* How long before expiry ci is renewed: renew_before_s, or a third of its lifetime. */
time_t issue_renew_before(const struct site *s, const struct certinfo *ci);
/* The renewal timer for the bound certificate (renew_before_s before it expires), and what
 * runs when it (or a backoff) fires. */
void issue_arm(struct siteinfo *si, void (*due)(struct siteinfo *si));
/* Keeps the pending certificate as the site's own (after a proof), or drops it. */
void issue_commit_pending(struct siteinfo *si);
void issue_drop_pending(struct siteinfo *si);
void issue_stop(struct siteinfo *si);
/* si was carried into a new table (policy reload): its issuer follows it. */
void issue_moved(struct siteinfo *old, struct siteinfo *ns);
/* ci (checked for `to`, not yet proven served) is the certificate si's next job proves. */
void issue_hold(struct siteinfo *si, const struct certinfo *ci, const struct ipaddr *to);

#endif
