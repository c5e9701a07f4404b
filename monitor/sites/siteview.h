/* SPDX-License-Identifier: MIT */
/* A site as observers see it (status, show, metrics, the state file): a read-only snapshot. */
#ifndef CERTBIND_SITEVIEW_H
#define CERTBIND_SITEVIEW_H

#include "monitor/sites/siteinfo.h"

/*
 * What control, metrics and the state file may know of a site, so that none of them reads a
 * site's internals (its state machine, timers, certificate) or repeats how they combine.
 * Pointers point into the site: valid until the loop runs again.
 */
struct siteview {
	const struct site *cfg;          /* its settings (the policy's) */
	enum site_state state;
	const char *state_name;
	bool proven;                     /* bound or wildcard: nothing to explain */
	long long since;                 /* wall clock: when its state began */
	long long proven_at;             /* wall clock of the last proof, 0: never */
	bool busy;                       /* a job or an issue command runs for it */
	const struct ipaddr *addr;       /* its binding; NULL for a wildcard site */
	int ifindex;                     /* where the binding sits, 0: not known */
	const char *fingerprint;         /* its certificate's, NULL: none usable */
	long long not_after;             /* its certificate's expiry, 0: none usable */
	const struct certinfo *cert;     /* NULL: none usable */
	const char *certificate;         /* the file, as expanded for its binding */
	const char *last_event;          /* NULL: none yet */
	long long last_event_at;
	const char *reason;              /* why it is not bound (the last event's), or NULL */
	unsigned long rebinds_ok, rebinds_failed, rollbacks;
	unsigned issue_failures;
	long long retry_in_ms;           /* a failed rebind's next attempt, -1: none */
	unsigned retry_backoff_ms;
	long long remind_in_ms;          /* the next alert reminder, -1: none */
	/* failover sites (failover is false for the others) */
	bool failover;
	int fo_healthy;                  /* 1 healthy, 0 not, -1 not known yet */
	bool fo_ready;
	const char *fo_reason;           /* why not healthy, or NULL */
};

/* The snapshot of si. */
void siteview_get(const struct siteinfo *si, struct siteview *v);
/* What certbind will do next about si (not bound): a sentence, in buf. */
const char *siteview_next(const struct siteinfo *si, char *buf, size_t len);

#endif
