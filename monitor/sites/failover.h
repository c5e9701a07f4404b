/* SPDX-License-Identifier: MIT */
/* Failover sites: standby readiness, takeover and periodic proofs, and keepalived's track files. */
#ifndef CERTBIND_FAILOVER_H
#define CERTBIND_FAILOVER_H

#include "monitor/sites/siteinfo.h"

/* Sets up a failover site's part (a new site; others have none). 0, or -1: out of memory. */
int failover_site_init(struct siteinfo *si);
/*
 * The policy's track files: each new one is written "1" (unknown) at once, since keepalived
 * reads a missing file as healthy; sites are tied to theirs. 0, or -1 out of memory.
 */
int failover_tracks(struct sites *set);
/* The end of a loop pass: track files whose value changed are written (atomically). */
void failover_flush(struct sites *set);
/* The VIP of a standby site arrived (the takeover's clock starts). */
void failover_vip_arrived(struct siteinfo *si);
/* A job of a failover site ended with it (vip_here: is the VIP on this host now?). */
void failover_job_done(struct siteinfo *si, const struct pipe_item *it, bool vip_here);
/* Its state, readiness or job changed: events, the track file, the periodic proof. */
void failover_changed(struct siteinfo *si);
/* May a standby site with no certificate wait for its takeover to issue one? */
bool failover_issues_on_takeover(const struct siteinfo *si);
/*
 * A takeover proves at once, with no reload, when the server listens on the VIP already
 * (nonlocal bind); otherwise the server is reloaded first; so is a standby's (or a
 * takeover's) server when the certificate changed since it last re-read it. True: reload.
 */
bool failover_reload_first(const struct siteinfo *si, const struct ipaddr *vip, bool standby);
/* Its certificate changed on disk: the server must re-read it (a standby at once). */
void failover_cert_changed(struct siteinfo *si);
/* A site moved to a new table (policy reload): its proof in progress restarts there. */
void failover_moved(struct siteinfo *from, struct siteinfo *to);
/* A site leaves the table: its timers and proof stop. */
void failover_stop(struct siteinfo *si);
/* What the site's track file says now: 0 healthy, 1 not; -1: not a failover site. */
int failover_track_value(const struct sites *set, const struct siteinfo *si);
void failover_free(struct sites *set);

#endif
