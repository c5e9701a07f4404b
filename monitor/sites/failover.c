// SPDX-License-Identifier: MIT
/* Failover sites: standby readiness, takeover and periodic proofs, and keepalived's track files. */
#include "monitor/sites/failover.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "monitor/core/fileio.h"
#include "monitor/core/log.h"
#include "monitor/rebind/tlsprobe.h"
#include "monitor/sites/sitelog.h"
#include "netlink/listeners.h"

/* A failed periodic proof is tried once more this soon before the VIP is given up. */
#define RETRY_MS 100

static struct fotrack *track_of(const struct sites *set, const struct siteinfo *si)
{
	return si->fo && si->fo->track < set->ntracks ? &set->tracks[si->fo->track] : NULL;
}

/* Does the VIP sit on this host now? */
static bool holds_vip(const struct siteinfo *si)
{
	return decide_bound(si->cfg, &si->fsm.cur, si->set->tab);
}

/*
 * Healthy, for keepalived: bound (a handshake showed it), or standby and proven ready, or a
 * standby that will issue its certificate when it takes over (only the VIP's holder can).
 * Unknown (-1) until one of those is proven or refuted.
 */
static int health_of(const struct siteinfo *si)
{
	const struct sitefsm *f = &si->fsm;

	if (f->state == SS_BOUND || failover_issues_on_takeover(si))
		return 1;
	/* Took the VIP over without a certificate and issuing one now: as it was until then. */
	if (!f->cert_ok && si->cfg->issue.command && f->busy)
		return si->fo->healthy;
	if (f->state == SS_STANDBY)
		return si->fo->ready ? 1 : si->fo->healthy == -1 && f->busy ? -1 : 0;
	/* Holding the VIP, not proven yet: a start-up or takeover proof in progress. */
	if (f->state == SS_UNVERIFIED && f->busy && si->fo->healthy != 0)
		return si->fo->healthy;
	return 0;
}

bool failover_issues_on_takeover(const struct siteinfo *si)
{
	return si->fsm.failover && !si->fsm.cert_ok && si->cfg->issue.command && !holds_vip(si);
}

/*
 * Each track file reads 1 while any of its sites is unhealthy. A site not known yet counts
 * as unhealthy only when the file had no value: one left by an earlier run stays until the
 * sites are known (restarting certbindd must not move the VIP). Written once per loop pass,
 * so that a job's sites, told one after the other, never make it flap.
 */
static void publish(struct sites *set, size_t t)
{
	struct fotrack *tr = &set->tracks[t];
	int v = tr->nbad ? 1 : tr->nunknown ? (tr->written >= 0 ? tr->written : 1) : 0;

	tr->dirty = false;
	if (v == tr->written)
		return;
	if (set->env.dry_run) {
		log_info("dry-run: would write %d to track file %s", v, tr->path);
		tr->written = v;
		return;
	}
	if (file_replace(tr->path, v ? "1\n" : "0\n", 2, 0644) < 0) {
		log_warnx("event=track-file-failed file=%s reason=\"%s\"", tr->path, strerror(errno));
		return;
	}
	tr->written = v;
	log_debug("track file %s: %d", tr->path, v);
}

void failover_flush(struct sites *set)
{
	for (size_t t = 0; t < set->ntracks; t++)
		if (set->tracks[t].dirty)
			publish(set, t);
}

/* A site's health h joins (by +1) or leaves (-1) its track file's counts. */
static void count(struct fotrack *tr, int h, int by)
{
	if (h == 0)
		tr->nbad += (size_t)(ssize_t)by;
	else if (h == -1)
		tr->nunknown += (size_t)(ssize_t)by;
	tr->dirty = true;
}

/* The value a track file left by an earlier run holds (0 or 1), or -1. */
static int on_disk(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int v = -1;

	if (file_read(path, 16, &buf, &len) == 0 && len >= 1 && (buf[0] == '0' || buf[0] == '1'))
		v = buf[0] - '0';
	free(buf);
	return v;
}

/* The track file of path (added if new); SIZE_MAX when out of memory. */
static size_t track_add(struct sites *set, const char *path, const struct fotrack *old,
			size_t nold)
{
	struct fotrack *v;
	size_t t;

	for (t = 0; t < set->ntracks; t++)
		if (!strcmp(set->tracks[t].path, path))
			return t;
	v = realloc(set->tracks, (t + 1) * sizeof(*v));
	if (!v)
		return SIZE_MAX;
	set->tracks = v;
	v[t] = (struct fotrack){ .path = strdup(path), .written = -2 };
	if (!v[t].path)
		return SIZE_MAX;
	set->ntracks++;
	/* Known from before the reload, or left by an earlier run: it stays until the sites'
	 * health is known (a restart of certbindd must not move the VIP). */
	for (size_t k = 0; k < nold; k++)
		if (!strcmp(old[k].path, path))
			v[t].written = old[k].written;
	if (v[t].written == -2)
		v[t].written = on_disk(path);
	return t;
}

int failover_tracks(struct sites *set)
{
	struct fotrack *old = set->tracks;
	size_t nold = set->ntracks;
	int rc = 0;

	set->tracks = NULL;
	set->ntracks = 0;
	for (size_t i = 0; i < set->n && rc == 0; i++) {
		struct siteinfo *si = &set->v[i];
		if (!si->cfg || !si->cfg->failover.track_file || !si->fo)
			continue;
		si->fo->track = track_add(set, si->cfg->failover.track_file, old, nold);
		if (si->fo->track == SIZE_MAX)
			rc = -1;
		else
			count(&set->tracks[si->fo->track], si->fo->healthy, 1);
	}
	for (size_t k = 0; k < nold; k++)
		free(old[k].path);
	free(old);
	/* Missing (keepalived would read it as healthy) or unreadable: 1 at once. */
	failover_flush(set);
	return rc;
}

/* --- the periodic proof: one handshake, once more after RETRY_MS if it fails ------------ */

static void probe_stop(struct siteinfo *si)
{
	if (!si->fo)
		return;
	if (si->fo->probe) {
		loop_unwatch(si->set->L, &si->fo->w_probe);
		tlsprobe_free(si->fo->probe);
		si->fo->probe = NULL;
	}
	loop_cancel(si->set->L, &si->fo->attempt_end);
}

static void proof_done(struct siteinfo *si, bool ok, const char *why)
{
	probe_stop(si);
	if (!ok && si->fo->attempts < 2) {
		loop_arm(si->set->L, &si->fo->check, now_ms() + RETRY_MS);
		return;
	}
	si->fo->attempts = 0;
	if (!ok) {
		char ep[ENDPOINT_STRLEN];
		snprintf(si->fo->reason, sizeof(si->fo->reason), "%s: %s",
			 endpoint_str(&si->fsm.cur, si->cfg->port, ep, sizeof(ep)), why);
	}
	si->set->apply(si, sitefsm_probed(&si->fsm, ok, time(NULL)) | FA_FAILOVER);
}

static void on_probe(void *arg, uint32_t events)
{
	struct siteinfo *si = arg;
	unsigned char digest[32];
	char why[160], fp[FINGERPRINT_LEN];
	int r = tlsprobe_step(si->fo->probe, digest);

	(void)events;
	if (r == 0) {
		loop_rewatch(si->set->L, &si->fo->w_probe, tlsprobe_events(si->fo->probe));
		return;
	}
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", tlsprobe_error(si->fo->probe));
		proof_done(si, false, why);
		return;
	}
	if (memcmp(digest, si->cert.sha256, 32)) {
		cert_fingerprint_str(digest, fp, sizeof(fp));
		snprintf(why, sizeof(why), "serves another certificate (%s)", fp);
		proof_done(si, false, why);
		return;
	}
	proof_done(si, true, NULL);
}

static void on_attempt_end(void *arg)
{
	struct siteinfo *si = arg;
	char why[64];

	snprintf(why, sizeof(why), "no handshake within %u ms", si->cfg->verify_timeout_ms);
	proof_done(si, false, why);
}

static void prove_now(struct siteinfo *si)
{
	const struct site *s = si->cfg;
	unsigned limit = s->verify_timeout_ms < s->failover.check_interval_ms
			 ? s->verify_timeout_ms : s->failover.check_interval_ms;
	char why[160];

	si->fo->attempts++;
	si->fo->probe = tlsprobe_start(si->set->env.ssl, &si->fsm.cur, s->port, s->server_name);
	if (!si->fo->probe) {
		snprintf(why, sizeof(why), "cannot connect: %s", strerror(errno));
		proof_done(si, false, why);
		return;
	}
	si->fo->w_probe = (struct watcher){ .fd = tlsprobe_fd(si->fo->probe), .cb = on_probe,
					   .arg = si };
	loop_watch(si->set->L, &si->fo->w_probe, tlsprobe_events(si->fo->probe));
	loop_arm(si->set->L, &si->fo->attempt_end, now_ms() + limit);
}

/* The check timer: the holder proves its binding; an unready standby proves readiness. */
static void on_check(void *arg)
{
	struct siteinfo *si = arg;

	if (si->fsm.busy || si->fo->probe)
		return;
	if (si->fsm.state == SS_STANDBY)
		si->set->apply(si, FA_START_INITIAL);
	else if (holds_vip(si) && si->fsm.cert_ok)
		prove_now(si);
}

int failover_site_init(struct siteinfo *si)
{
	/* Most sites are not failover sites: their part is not allocated (10,000 sites: 6 MB). */
	if (!si->fsm.failover)
		return 0;
	si->fo = calloc(1, sizeof(*si->fo));
	if (!si->fo) {
		log_warnx("site %s: out of memory setting up its failover part", si->cfg->name);
		return -1;
	}
	si->fo->check = (struct timer){ .fn = on_check, .arg = si };
	si->fo->attempt_end = (struct timer){ .fn = on_attempt_end, .arg = si };
	si->fo->healthy = -1;
	si->fo->seen = si->fsm.state;
	return 0;
}

/* --- what changed ------------------------------------------------------------------------ */

void failover_cert_changed(struct siteinfo *si)
{
	if (!si->fo)
		return;
	/* A standby cannot see what its server serves (a handshake to the VIP reaches the
	 * peer): the server re-reads the new certificate now, and before any takeover. */
	si->fo->reread = true;
	if (si->fsm.state == SS_STANDBY && !si->fsm.busy)
		si->set->apply(si, FA_START_INITIAL);
}

void failover_vip_arrived(struct siteinfo *si)
{
	if (si->fo && si->fsm.state != SS_BOUND)
		si->fo->vip_at = now_ms();
}

/* Ready needs a certificate that covers the VIP (or server_name), as san_check judges. */
static bool covers(struct siteinfo *si)
{
	char ep[ENDPOINT_STRLEN];

	if (si->cfg->san_check == SAN_OFF || cert_covers(&si->cert, &si->fsm.cur,
							   si->cfg->server_name))
		return true;
	snprintf(si->fo->reason, sizeof(si->fo->reason), "the certificate does not cover %s (its "
		 "IP addresses or DNS names; san_check)",
		 endpoint_str(&si->fsm.cur, si->cfg->port, ep, sizeof(ep)));
	return false;
}

void failover_job_done(struct siteinfo *si, const struct pipe_item *it, bool vip_here)
{
	if (!si->fo)
		return;
	if (it->outcome == PO_PROVEN || it->outcome == PO_DRY_RUN)
		si->fo->reason[0] = '\0';
	if (it->outcome == PO_PROVEN && it->force_reload)
		si->fo->reread = false;     /* the server re-read it: the reload took */
	else
		snprintf(si->fo->reason, sizeof(si->fo->reason), "%s", it->reason);
	if (it->listen_only)
		si->fo->ready = it->outcome == PO_PROVEN && covers(si);
	else if (!vip_here)
		si->fo->ready = false;   /* the VIP left while it proved: readiness is proven anew */
}

static void event(struct siteinfo *si, const char *name, int prio, const char *reason)
{
	char ep[ENDPOINT_STRLEN];
	struct ev e;

	ev_begin(&e, name);
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", endpoint_str(&si->fsm.cur, si->cfg->port, ep, sizeof(ep)));
	if (!strcmp(name, "takeover"))
		ev_addf(&e, "proven_ms", "%llu", (unsigned long long)(now_ms() - si->fo->vip_at));
	if (reason)
		ev_add(&e, "reason", reason);
	ev_add(&e, "track_file", si->cfg->failover.track_file);
	ev_emit(&e, prio);
	sitelog_event_why(si, name, reason);
	if (!strcmp(name, "failover-unhealthy"))
		alert_run(si->set->alerts, si->cfg, name, ep, "", reason);
}

/* The state's news: a takeover proven, the VIP released. */
static void transitions(struct siteinfo *si)
{
	enum site_state was = si->fo->seen, now = si->fsm.state;

	si->fo->seen = now;
	if (was == now)
		return;
	if (now == SS_BOUND && si->fo->vip_at) {
		event(si, "takeover", LOG_NOTICE, NULL);
		si->fo->vip_at = 0;
	} else if (now == SS_STANDBY && (was == SS_BOUND || was == SS_UNVERIFIED)) {
		/* It was proven here a moment ago: ready, until the standby proof says more. */
		si->fo->ready = was == SS_BOUND;
		si->fo->vip_at = 0;
		event(si, "released", LOG_NOTICE, NULL);
	}
}

/* Its health for keepalived; a change is said, and its track file rewritten. */
static void judge(struct siteinfo *si)
{
	int h = health_of(si), was = si->fo->healthy;
	const char *why = si->fo->reason[0] ? si->fo->reason
			  : !si->fsm.cert_ok ? "its certificate is not usable (see cert events)"
			  : "not proven";

	if (h == was || h == -1)
		return;
	si->fo->healthy = h;
	if (track_of(si->set, si)) {
		count(track_of(si->set, si), was, -1);
		count(track_of(si->set, si), h, 1);
	}
	if (h == 0)
		event(si, holds_vip(si) ? "failover-unhealthy" : "failover-unready", LOG_ERR, why);
	else if (was == 0)
		event(si, "failover-ready", LOG_NOTICE, NULL);
}

/* Only a holder proves itself periodically; only an unready standby looks again. */
static void arm_check(struct siteinfo *si)
{
	const struct sitefsm *f = &si->fsm;
	bool holder = (f->state == SS_BOUND || f->state == SS_UNVERIFIED) && holds_vip(si);
	bool unready = f->state == SS_STANDBY && !si->fo->ready;

	if (f->busy || !f->cert_ok || (!holder && !unready)) {
		if (!si->fo->probe) {
			loop_cancel(si->set->L, &si->fo->check);
			si->fo->attempts = 0;
		}
		return;
	}
	if (!timer_armed(&si->fo->check) && !si->fo->probe)
		loop_arm(si->set->L, &si->fo->check, now_ms() + si->cfg->failover.check_interval_ms);
}

void failover_changed(struct siteinfo *si)
{
	if (!si->fo)
		return;
	transitions(si);
	judge(si);
	arm_check(si);
}

void failover_moved(struct siteinfo *from, struct siteinfo *to)
{
	if (!to->fo)
		return;
	/* The part moves with the pointer; its watcher and timers pointed at the old entry:
	 * start them over here. */
	probe_stop(from);
	loop_cancel(from->set->L, &from->fo->check);
	to->fo->probe = NULL;
	to->fo->attempts = 0;
	to->fo->check = (struct timer){ .fn = on_check, .arg = to };
	to->fo->attempt_end = (struct timer){ .fn = on_attempt_end, .arg = to };
	from->fo = NULL;
	arm_check(to);
}

void failover_stop(struct siteinfo *si)
{
	if (!si->set || !si->fo)
		return;
	probe_stop(si);
	loop_cancel(si->set->L, &si->fo->check);
	free(si->fo);
	si->fo = NULL;
}

bool failover_reload_first(const struct siteinfo *si, const struct ipaddr *vip, bool standby)
{
	struct listener *v = NULL;
	size_t n = 0;
	bool heard = true;

	if (!si->fo)
		return false;
	if (si->fo->reread)
		return true;
	if (standby)
		return false;
	if (si->set->env.listeners && listeners_dump(si->set->env.listeners, &v, &n) == 0)
		heard = listeners_serve(v, n, vip, si->cfg->port);
	free(v);
	return !heard;
}

int failover_track_value(const struct sites *set, const struct siteinfo *si)
{
	const struct fotrack *tr = track_of(set, si);

	return tr ? tr->written : -1;
}

void failover_free(struct sites *set)
{
	for (size_t t = 0; t < set->ntracks; t++)
		free(set->tracks[t].path);
	free(set->tracks);
	set->tracks = NULL;
	set->ntracks = 0;
}
