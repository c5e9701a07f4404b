/* SPDX-License-Identifier: MIT */
/* The event lines about a site (SPEC's logfmt), each with its alert command where due. */
#ifndef CERTBIND_SITEEVENTS_H
#define CERTBIND_SITEEVENTS_H

#include "monitor/sites/siteinfo.h"

/* Records event as the site's last (certbindctl status). */
void sitelog_event(struct siteinfo *si, const char *event);
/* The same, for an event whose reason (its reason= field, or why) stays the site's
 * reason (certbindctl show) until the next event. */
void sitelog_event_why(struct siteinfo *si, const char *event, const char *why);
/* event=address-lost at prio; with_alert: also the alert command (on_change = alert). */
void sitelog_lost(struct siteinfo *si, const struct decision *dec, int prio, bool with_alert);
void sitelog_restored(struct siteinfo *si);
void sitelog_back_quietly(struct siteinfo *si);
/* event=no-candidate, and its alert command. */
void sitelog_nocand(struct siteinfo *si);
/* event=rebind old= new= fingerprint= */
void sitelog_rebind(struct siteinfo *si, const char *old);
/* event=verified: a binding that had failed its proof is proven now. */
void sitelog_verified(struct siteinfo *si, const char *endpoint);
/* event=rendered: a target rewritten at the same binding. */
void sitelog_rendered(struct siteinfo *si, const char *endpoint);
/* event=rebind-failed reason= rollback= [old_binding=] [hint=], and its alert command.
 * old_served: after the rollback the old binding was proven served (1), not (-1), untried (0). */
void sitelog_failed(struct siteinfo *si, const char *old, const char *new, const char *reason,
		    const char *hint, bool rolled_back, int old_served);
/* event=cert-mismatch for a rebind to endpoint; refused: san_check = require. */
void sitelog_cert_mismatch(struct siteinfo *si, const char *endpoint, bool refused);

/* Start-up: the last event the state file kept (and when) is the site's last event again. */
void sitelog_restore(struct siteinfo *si, const char *event, long long at);

#endif
