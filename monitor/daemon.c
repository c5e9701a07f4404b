// SPDX-License-Identifier: MIT
/* certbindd's event loop: netlink -> mark sites -> settle -> decide -> pipeline. */
#include "monitor/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "monitor/fileio.h"
#include "monitor/log.h"
#include "monitor/state.h"
#include "monitor/tlsprobe.h"

const char *site_state_name(enum site_state s)
{
	switch (s) {
	case SS_BOUND: return "bound";
	case SS_UNBOUND: return "unbound";
	case SS_FAILED: return "failed";
	case SS_WILDCARD: return "wildcard";
	}
	return "?";
}

void site_event(struct siteinfo *si, const char *event)
{
	snprintf(si->last_event, sizeof(si->last_event), "%s", event);
	si->last_event_at = time(NULL);
}

void site_set_waiting(struct siteinfo *si, bool waiting)
{
	struct daemon *d = si->d;

	if (si->waiting == waiting)
		return;
	si->waiting = waiting;
	if (waiting) {
		si->wprev = NULL;
		si->wnext = d->waiting;
		if (d->waiting)
			d->waiting->wprev = si;
		d->waiting = si;
	} else {
		if (si->wprev)
			si->wprev->wnext = si->wnext;
		else
			d->waiting = si->wnext;
		if (si->wnext)
			si->wnext->wprev = si->wprev;
		si->wnext = si->wprev = NULL;
	}
}

void daemon_watch(struct daemon *d, struct watcher *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->fd < 0) {
		/* A child without a pidfd: its callback runs on every SIGCHLD. */
		w->next = d->chld_watchers;
		d->chld_watchers = w;
		return;
	}
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		log_warn("epoll_ctl add fd %d", w->fd);
}

void daemon_unwatch(struct daemon *d, struct watcher *w)
{
	if (w->fd < 0) {
		for (struct watcher **pp = &d->chld_watchers; *pp; pp = &(*pp)->next)
			if (*pp == w) {
				*pp = w->next;
				break;
			}
		return;
	}
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

static void on_sigchld(struct daemon *d)
{
	/* Each callback reaps its own child if it exited (WNOHANG) and may unwatch itself. */
	for (struct watcher *w = d->chld_watchers, *next; w; w = next) {
		next = w->next;
		w->cb(d, w, 0);
	}
}

/* --- the address index ---------------------------------------------------------------- */

void site_index_update(struct daemon *d, struct siteinfo *si)
{
	if (siteindex_update(&d->index, si) < 0)
		log_warnx("site %s: out of memory indexing its address", si->cfg->name);
}

static int index_build(struct daemon *d)
{
	if (siteindex_init(&d->index, d->nsites) < 0)
		return -1;
	for (size_t i = 0; i < d->nsites; i++) {
		d->sites[i].group = NULL;
		/* Sites new in a reload are indexed once initialised. */
		if (d->sites[i].cfg)
			site_index_update(d, &d->sites[i]);
	}
	return 0;
}

static bool endpoint_taken(void *arg, const struct site *self, const struct ipaddr *a,
			   unsigned port)
{
	struct daemon *d = arg;

	FOR_SITES_AT(&d->index, a, si)
		if (si->cfg != self && si->cfg->port == port)
			return true;
	return false;
}

static bool address_shared(void *arg, const struct site *self, const struct ipaddr *a)
{
	struct daemon *d = arg;

	FOR_SITES_AT(&d->index, a, si)
		if (si->cfg != self)
			return true;
	return false;
}

void decide_ctx_init(struct daemon *d, struct siteinfo *si, struct decide_ctx *ctx)
{
	*ctx = (struct decide_ctx){
		.tab = d->tab, .lost_ifindex = si->cur_ifindex, .endpoint_taken = endpoint_taken,
		.address_shared = address_shared, .arg = d,
	};
}

size_t daemon_candidates(struct daemon *d, struct siteinfo *si, struct ipaddr *out, size_t max)
{
	struct decide_ctx ctx;
	struct decision dec;
	struct site tmp = *si->cfg;
	size_t n;

	if (si->cfg->wildcard)
		return 0;
	/* Candidates as if the address were lost now, whatever the site's on_change. */
	tmp.on_change = ONC_ALERT;
	decide_ctx_init(d, si, &ctx);
	decide(&tmp, &(struct ipaddr){ .family = si->cur.family }, &ctx, &dec);
	n = dec.ncands < max ? dec.ncands : max;
	memcpy(out, dec.cands, n * sizeof(*out));
	return n;
}

/* --- state file ---------------------------------------------------------------------- */

int daemon_write_state(struct daemon *d)
{
	d->state_dirty = true;
	d->metrics_dirty = true;
	d->status_dirty = true;
	return 0;
}

int daemon_flush_state(struct daemon *d)
{
	struct binding *b;
	int err;

	if (d->dry_run || !d->state_dirty)
		return 0;
	d->state_dirty = false;
	b = calloc(d->nsites + 1, sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < d->nsites; i++) {
		struct siteinfo *si = &d->sites[i];
		snprintf(b[i].site, sizeof(b[i].site), "%s", si->cfg->name);
		b[i].wildcard = si->cfg->wildcard;
		b[i].addr = si->cur;
		b[i].port = si->cfg->port;
		snprintf(b[i].fingerprint, sizeof(b[i].fingerprint), "%s",
			 si->cert_ok ? si->cert.fingerprint : "");
		snprintf(b[i].state, sizeof(b[i].state), "%s", site_state_name(si->state));
		b[i].since = si->since;
		endpoint_str(si->cfg->wildcard ? NULL : &si->cfg->addr, si->cfg->port,
			     b[i].configured, sizeof(b[i].configured));
	}
	err = state_write(d->pol->state_file, b, d->nsites);
	free(b);
	if (err < 0) {
		/* Kept dirty: the next pass tries again (e.g. after the directory is back). */
		d->state_dirty = true;
		if (!d->state_failed)
			log_msg(LOG_ERR, "cannot write state file %s: %s; bindings stay live and the "
				"file is retried on every change", d->pol->state_file, strerror(-err));
		d->state_failed = true;
		return -1;
	}
	if (d->state_failed)
		log_msg(LOG_NOTICE, "state file %s written again", d->pol->state_file);
	d->state_failed = false;
	return 0;
}

/* --- decisions ----------------------------------------------------------------------- */

static void arm_reminder(struct daemon *d, struct siteinfo *si)
{
	if (si->cfg->alert_repeat_s && !timer_armed(&si->remind))
		timer_arm(&d->timers, &si->remind, now_ms() + (uint64_t)si->cfg->alert_repeat_s * 1000);
}

static void log_loss(struct siteinfo *si, const struct decision *dec, int prio)
{
	char ep[ENDPOINT_STRLEN], list[512] = "";
	struct ev e;

	for (size_t i = 0; i < dec->ncands; i++) {
		char a[IPADDR_STRLEN];
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
			 ipaddr_str(&dec->cands[i], a, sizeof(a)));
	}
	ev_begin(&e, "address-lost");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", endpoint_str(&si->cur, si->cfg->port, ep, sizeof(ep)));
	ev_add(&e, "action", on_change_name(si->cfg->on_change));
	ev_add(&e, "candidates", list);
	if (si->reminders)
		ev_addf(&e, "repeat", "%u", si->reminders);
	ev_emit(&e, prio);
	site_event(si, "address-lost");
	if (si->cfg->on_change == ONC_ALERT) {
		site_alert(si, "address-lost", ep, list, "the site's address went away");
		arm_reminder(si->d, si);
	}
}

/* The loss is now reported: the site is unbound, and the state file says so. */
static void note_unbound(struct daemon *d, struct siteinfo *si)
{
	if (si->lost_reported && si->state == SS_UNBOUND)
		return;
	if (si->state != SS_UNBOUND)
		si->since = time(NULL);
	si->state = SS_UNBOUND;
	si->lost_reported = true;
	daemon_write_state(d);
}

/* Is a job running for another site of si's server (same reload command)? */
static bool server_busy(struct daemon *d, const struct siteinfo *si)
{
	if (!d->jobs_running || !si->cfg->reload)
		return false;
	for (size_t i = 0; i < d->nsites; i++)
		if (d->sites[i].job && &d->sites[i] != si &&
		    site_same_server(d->sites[i].cfg, si->cfg))
			return true;
	return false;
}

static void decide_now(struct daemon *d, struct siteinfo *si)
{
	struct decide_ctx ctx;
	struct decision dec;
	char ep[ENDPOINT_STRLEN];

	if (si->job) {
		si->redecide = true;
		return;
	}
	if (!si->cert_ok || si->cfg->wildcard)
		return;
	decide_ctx_init(d, si, &ctx);
	switch (decide(si->cfg, &si->cur, &ctx, &dec)) {
	case ACT_NONE:
		if (si->state == SS_UNBOUND) {
			if (si->lost_reported) {
				struct ev e;
				ev_begin(&e, "address-restored");
				ev_add(&e, "site", si->cfg->name);
				ev_add(&e, "endpoint", endpoint_str(&si->cur, si->cfg->port, ep,
								    sizeof(ep)));
				ev_emit(&e, LOG_NOTICE);
				site_event(si, "address-restored");
			} else {
				log_debug("site %s: %s came back within settle_ms", si->cfg->name,
					  endpoint_str(&si->cur, si->cfg->port, ep, sizeof(ep)));
			}
			si->state = SS_BOUND;
			si->reminders = 0;
			timer_cancel(&d->timers, &si->remind);
			si->lost_reported = si->nocand_reported = false;
			site_set_waiting(si, false);
			si->since = time(NULL);
			daemon_write_state(d);
		}
		return;
	case ACT_LOG:
		if (!si->lost_reported)
			log_loss(si, &dec, LOG_INFO);
		break;
	case ACT_ALERT:
		if (!si->lost_reported)
			log_loss(si, &dec, si->cfg->alert_priority);
		break;
	case ACT_NO_CANDIDATE:
		if (!si->lost_reported)
			log_loss(si, &dec, si->cfg->alert_priority);
		if (!si->nocand_reported) {
			struct ev e;
			si->nocand_reported = true;
			ev_begin(&e, "no-candidate");
			ev_add(&e, "site", si->cfg->name);
			ev_add(&e, "endpoint", endpoint_str(&si->cur, si->cfg->port, ep, sizeof(ep)));
			ev_add(&e, "follow", si->cfg->follow.interface ? si->cfg->follow.interface
			       : si->cfg->interface ? si->cfg->interface : "(lost address's interface)");
			ev_emit(&e, si->cfg->alert_priority);
			site_event(si, "no-candidate");
			site_alert(si, "no-candidate", ep, "", "no address matches follow");
			arm_reminder(d, si);
		}
		site_set_waiting(si, true);
		break;
	case ACT_WAIT:
		/* A matching address is still in DAD: no alarm; its arrival wakes the site. */
		if (!si->lost_reported)
			log_loss(si, &dec, si->cfg->alert_priority);
		log_debug("site %s: waiting for a tentative replacement to finish DAD",
			  si->cfg->name);
		site_set_waiting(si, true);
		break;
	case ACT_REBIND:
		if (!si->lost_reported)
			log_loss(si, &dec, si->cfg->alert_priority);
		note_unbound(d, si);
		/* Should this attempt be refused or fail, try again when an address appears. */
		site_set_waiting(si, true);
		/* One job per server at a time: a rollback must not undo another's reload. */
		if (server_busy(d, si)) {
			si->queued = true;
			return;
		}
		/* The certificate may have been renewed (or broken) since it was loaded. */
		if (watch_recheck_cert(d, si) == 0)
			job_start(d, si, &dec.to, dec.to_ifindex, false, NULL, NULL);
		return;
	}
	note_unbound(d, si);
}

static void on_settle(void *arg)
{
	struct siteinfo *si = arg;

	decide_now(si->d, si);
}

/* alert.repeat_s: the condition lasts, so say it again (never more often). */
static void on_remind(void *arg)
{
	struct siteinfo *si = arg;
	struct daemon *d = si->d;

	if (si->state != SS_UNBOUND || !si->lost_reported || si->job)
		return;
	si->reminders++;
	si->lost_reported = false;
	si->nocand_reported = false;
	decide_now(d, si);
	arm_reminder(d, si);
}

void daemon_after_job(struct daemon *d, struct siteinfo *si)
{
	if (si->redecide) {
		si->redecide = false;
		decide_now(d, si);
	}
	/* Rebinds that waited for this server go next (one at a time, in the loop). */
	for (size_t i = 0; i < d->nsites && !server_busy(d, si); i++) {
		struct siteinfo *q = &d->sites[i];
		if (q->queued && site_same_server(q->cfg, si->cfg)) {
			q->queued = false;
			decide_now(d, q);
		}
	}
	if (d->reload_pending && !d->jobs_running) {
		struct errlist errs = { 0 };
		d->reload_pending = false;
		daemon_reload(d, &errs);
		errlist_free(&errs);
	}
}

/*
 * The site's address went away. The settle window runs from the latest loss, so an address
 * that flaps keeps being absorbed however the events are batched.
 */
static void mark_lost(struct daemon *d, struct siteinfo *si)
{
	if (si->state == SS_BOUND) {
		si->state = SS_UNBOUND;
		si->since = time(NULL);
	} else if (si->state != SS_UNBOUND || si->lost_reported) {
		return;     /* already reported (or not a site that binds): nothing new */
	}
	timer_arm(&d->timers, &si->settle, now_ms() + d->pol->settle_ms);
}

/* The site's address is back. Within the settle window that is the end of it. */
static void mark_back(struct daemon *d, struct siteinfo *si)
{
	char ep[ENDPOINT_STRLEN];

	if (si->state != SS_UNBOUND)
		return;
	if (si->lost_reported) {
		/* Reported lost: decide (address-restored) in the deferred step. */
		timer_arm(&d->timers, &si->settle, now_ms());
		return;
	}
	timer_cancel(&d->timers, &si->settle);
	si->state = SS_BOUND;
	log_debug("site %s: %s came back within settle_ms", si->cfg->name,
		  endpoint_str(&si->cur, si->cfg->port, ep, sizeof(ep)));
}

/* --- netlink callbacks --------------------------------------------------------------- */

static void report_dad(struct daemon *d, const struct addrent *e)
{
	char a[IPADDR_STRLEN];
	const char *ifname = addrtab_link_name(d->tab, e->ifindex);

	for (size_t i = 0; i < d->nsites; i++) {
		struct siteinfo *si = &d->sites[i];
		struct decide_ctx ctx;
		bool uses = !si->cfg->wildcard && ipaddr_eq(&si->cur, &e->ip);
		bool could;
		decide_ctx_init(d, si, &ctx);
		could = si->cfg->on_change == ONC_REBIND && !si->cfg->wildcard &&
			decide_follows(si->cfg, &si->cur, &ctx, e);
		if (uses || could) {
			struct ev ev;
			ev_begin(&ev, "dad-failed");
			ev_add(&ev, "site", si->cfg->name);
			ev_add(&ev, "address", ipaddr_str(&e->ip, a, sizeof(a)));
			ev_add(&ev, "interface", ifname ? ifname : "?");
			ev_emit(&ev, LOG_ERR);
			site_event(si, "dad-failed");
		}
	}
}

/* Sites waiting for a replacement get another look, if this address matches. O(waiting). */
static void wake_waiting(struct daemon *d, const struct addrent *e)
{
	for (struct siteinfo *w = d->waiting; w; w = w->wnext) {
		struct decide_ctx ctx;
		if (timer_armed(&w->settle))
			continue;
		decide_ctx_init(d, w, &ctx);
		if (decide_follows(w->cfg, &w->cur, &ctx, e))
			timer_arm(&d->timers, &w->settle, now_ms());
	}
}

static void on_addr(void *arg, const struct addrent *e, enum addr_change chg)
{
	struct daemon *d = arg;
	struct sitegroup *g;

	d->addr_events++;
	d->metrics_dirty = true;
	switch (chg) {
	case AC_GONE:
		/* One look decides for a whole group pinned to another interface. */
		if ((g = siteindex_find(&d->index, &e->ip)) &&
		    sitegroup_pinned_elsewhere(g, d->tab, e->ifindex))
			g = NULL;
		for (size_t i = 0; g && i < g->n; i++)
			if (!decide_bound(g->v[i]->cfg, &g->v[i]->cur, d->tab))
				mark_lost(d, g->v[i]);
		watch_addresses_changed(d);
		break;
	case AC_APPEARED:
		if ((g = siteindex_find(&d->index, &e->ip)) &&
		    sitegroup_pinned_elsewhere(g, d->tab, e->ifindex))
			g = NULL;
		for (size_t i = 0; g && i < g->n; i++)
			if (g->v[i]->state == SS_UNBOUND && decide_bound(g->v[i]->cfg, &g->v[i]->cur, d->tab))
				mark_back(d, g->v[i]);
		wake_waiting(d, e);
		break;
	case AC_DADFAILED:
		report_dad(d, e);
		/* A site waiting for this address to finish DAD must now decide without it. */
		wake_waiting(d, e);
		break;
	default:
		break;
	}
}

/* A rename (or an interface appearing under a name a site uses) changes which addresses
 * count for sites that name an interface; re-evaluate those. */
static void on_link(void *arg, int ifindex, const char *name, unsigned flags, bool gone)
{
	struct daemon *d = arg;

	log_debug("link %d (%s) %s", ifindex, name, gone ? "removed" : "changed");
	for (size_t i = 0; i < d->nsites; i++) {
		struct siteinfo *si = &d->sites[i];
		if (si->cfg->wildcard || (!si->cfg->interface && !si->cfg->follow.interface))
			continue;
		if (decide_bound(si->cfg, &si->cur, d->tab))
			mark_back(d, si);
		else
			mark_lost(d, si);
		if (si->waiting && !timer_armed(&si->settle))
			timer_arm(&d->timers, &si->settle, now_ms());
	}
}

static void on_resync(void *arg, unsigned changes)
{
	struct daemon *d = arg;
	struct ev e;

	ev_begin(&e, "resync");
	ev_addf(&e, "changes", "%u", changes);
	ev_add(&e, "reason", "netlink receive buffer overflowed (events lost); re-dumped");
	ev_emit(&e, LOG_WARNING);
	/* Sites on addresses that moved were marked by the diff; others are re-checked anyway. */
	for (size_t i = 0; i < d->nsites; i++) {
		struct siteinfo *si = &d->sites[i];
		if (si->cfg->wildcard)
			continue;
		if (!decide_bound(si->cfg, &si->cur, d->tab))
			mark_lost(d, si);
		else
			mark_back(d, si);
	}
}

static const struct nlwatch_ops nlops = { .addr = on_addr, .link = on_link,
					  .resync = on_resync };

static void on_resync_timer(void *arg)
{
	struct daemon *d = arg;

	if (nlwatch_resync(d->nl) < 0)
		log_warn("netlink resync");
}

#define STORM_WAKES 4           /* this many wake-ups with events ... */
#define STORM_WINDOW_MS 2       /* ... within this long: a storm */
#define STORM_PAUSE_MS 1        /* then let events gather this long between reads */

static void on_netlink(struct daemon *d, struct watcher *w, uint32_t events)
{
	unsigned long before = nlwatch_events(d->nl);
	uint64_t due = 0, now = now_ms();

	if (nlwatch_process(d->nl, now, &due) < 0)
		log_warn("netlink");
	/* Overflow again right after a resync: the re-dump is deferred, not skipped. */
	if (due && !timer_armed(&d->resync_timer))
		timer_arm(&d->timers, &d->resync_timer, due);
	if (nlwatch_events(d->nl) == before)
		return;
	/*
	 * Storm coalescing: a wake-up per event or two is most of what a storm costs (context
	 * switches). When events keep coming, stop reading for a millisecond so that the next
	 * read takes them all at once. An isolated change (two events) never pauses, so
	 * decisions are not delayed; the receive buffer holds far more than a millisecond.
	 */
	d->busy_wakes[d->busy_next++ % STORM_WAKES] = now;
	if (d->busy_next >= STORM_WAKES &&
	    now - d->busy_wakes[d->busy_next % STORM_WAKES] <= STORM_WINDOW_MS) {
		daemon_unwatch(d, &d->w_nl);
		timer_arm(&d->timers, &d->nl_pause, now + STORM_PAUSE_MS);
	}
}

static void on_nl_pause(void *arg)
{
	struct daemon *d = arg;

	daemon_watch(d, &d->w_nl, EPOLLIN);
	on_netlink(d, &d->w_nl, EPOLLIN);
}

/* --- sites: certificates, reconciliation ------------------------------------------- */

static void site_init(struct daemon *d, struct siteinfo *si, const struct site *cfg,
		      struct certcache *cc)
{
	struct errlist errs = { 0 };

	memset(si, 0, sizeof(*si));
	si->d = d;
	si->cfg = cfg;
	si->cur = cfg->addr;
	si->settle = (struct timer){ .fn = on_settle, .arg = si };
	si->remind = (struct timer){ .fn = on_remind, .arg = si };
	si->cert_ok = certcache_load(cc, cfg, &si->cert, &errs, NULL) == 0;
	si->state = cfg->wildcard ? SS_WILDCARD : SS_UNBOUND;
	if (!si->cert_ok)
		si->state = SS_FAILED;
	si->since = time(NULL);
	watch_cert(d, si, &errs);
	errlist_free(&errs);
}

/* Start-up (or new site): take the state file's binding if it still belongs to this policy. */
static void reconcile(struct daemon *d, struct siteinfo *si, const struct binding *b)
{
	char conf[ENDPOINT_STRLEN];
	const struct addrent *e;

	/* Temporary files a killed predecessor left behind. */
	for (size_t i = 0; i < si->cfg->ntargets; i++)
		if (file_clean_temps(si->cfg->targets[i].output))
			log_info("site %s: removed a temporary file left beside %s", si->cfg->name,
				 si->cfg->targets[i].output);

	endpoint_str(si->cfg->wildcard ? NULL : &si->cfg->addr, si->cfg->port, conf, sizeof(conf));
	if (b && !strcmp(b->configured, conf) && !b->wildcard && b->port == si->cfg->port) {
		si->cur = b->addr;
		if (b->since)
			si->since = b->since;
	}
	if (!si->cert_ok)
		return;
	if (si->cfg->wildcard) {
		job_start(d, si, NULL, 0, true, NULL, NULL);
		return;
	}
	if (decide_bound(si->cfg, &si->cur, d->tab)) {
		e = addrtab_find_usable(d->tab, &si->cur, 0);
		si->cur_ifindex = e ? e->ifindex : 0;
		si->state = SS_BOUND;
		job_start(d, si, &si->cur, si->cur_ifindex, true, NULL, NULL);
		return;
	}
	/* Missing at start: as if just lost. */
	e = addrtab_find(d->tab, &si->cur, 0);
	si->cur_ifindex = e ? e->ifindex : 0;
	si->state = SS_UNBOUND;
	timer_arm(&d->timers, &si->settle, now_ms() + d->pol->settle_ms);
}

static int build_sites(struct daemon *d)
{
	d->nsites = d->pol->nsites;
	d->sites = calloc(d->nsites + 1, sizeof(*d->sites));
	if (!d->sites)
		return -1;
	struct certcache *cc = certcache_new(d->nsites);

	for (size_t i = 0; i < d->nsites; i++)
		site_init(d, &d->sites[i], &d->pol->sites[i], cc);
	certcache_free(cc);
	return index_build(d);
}

static void free_sites(struct daemon *d, struct siteinfo *sites, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (sites[i].job)
			job_abort(d, sites[i].job);
		timer_cancel(&d->timers, &sites[i].settle);
		timer_cancel(&d->timers, &sites[i].cert_timer);
		timer_cancel(&d->timers, &sites[i].remind);
		cert_free(&sites[i].cert);
	}
	free(sites);
}

struct siteinfo *daemon_site(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->nsites; i++)
		if (!strcmp(d->sites[i].cfg->name, name))
			return &d->sites[i];
	return NULL;
}

int daemon_rebind(struct daemon *d, struct siteinfo *si, const struct ipaddr *to,
		  job_done_fn done, void *arg, char *err, size_t errlen)
{
	struct ipaddr best;
	const struct addrent *e;

	if (si->cfg->wildcard)
		return snprintf(err, errlen, "site %s is bound to all addresses", si->cfg->name), -1;
	if (si->job)
		return snprintf(err, errlen, "site %s has a rebind in progress", si->cfg->name), -1;
	if (server_busy(d, si))
		return snprintf(err, errlen, "a rebind of another site of the same server is in "
				"progress; try again in a moment"), -1;
	if (!si->cert_ok || watch_recheck_cert(d, si) < 0)
		return snprintf(err, errlen, "site %s has an unusable certificate", si->cfg->name), -1;
	if (!to) {
		if (!daemon_candidates(d, si, &best, 1))
			return snprintf(err, errlen, "no candidate address matches follow"), -1;
		to = &best;
	}
	e = addrtab_find_usable(d->tab, to, 0);
	if (!e)
		return snprintf(err, errlen, "address is not present (and usable) on this host"), -1;
	if (endpoint_taken(d, si->cfg, to, si->cfg->port))
		return snprintf(err, errlen, "another site holds that address and port"), -1;
	timer_cancel(&d->timers, &si->settle);
	/* From here on the outcome, good or bad, reaches the caller through done. */
	job_start(d, si, to, e->ifindex, false, done, arg);
	return 0;
}

/* --- policy reload ------------------------------------------------------------------- */

/* A site carried over into the new table keeps its pending deadline. */
static void move_timer(struct daemon *d, struct timer *from, struct timer *to, void *arg)
{
	uint64_t when = from->when;
	bool armed = timer_armed(from);

	timer_cancel(&d->timers, from);
	to->idx = 0;
	to->arg = arg;
	if (armed)
		timer_arm(&d->timers, to, when);
}

int daemon_reload(struct daemon *d, struct errlist *errs)
{
	struct policy *np = NULL;
	struct siteinfo *ns, *os = d->sites;
	size_t on = d->nsites;
	struct ev e;

	if (policy_load(d->config_path, &np, errs) < 0) {
		ev_begin(&e, "config-rejected");
		ev_add(&e, "file", d->config_path);
		ev_addf(&e, "errors", "%zu", errs->n);
		ev_add(&e, "first", errs->n ? errs->msg[0] : "?");
		ev_add(&e, "action", "the running policy stays in force");
		ev_emit(&e, LOG_ERR);
		for (size_t i = 0; i < errs->n; i++)
			log_msg(LOG_ERR, "%s", errs->msg[i]);
		return -1;
	}
	if (d->jobs_running) {
		/* Swap only between jobs: a job holds pointers into the old policy. */
		policy_free(np);
		d->reload_pending = true;
		log_info("policy reload deferred until %zu rebind(s) finish", d->jobs_running);
		return 0;
	}
	sd_notify(0, "RELOADING=1");
	ns = calloc(np->nsites + 1, sizeof(*ns));
	if (!ns) {
		policy_free(np);
		return -1;
	}
	for (size_t i = 0; i < np->nsites; i++) {
		const struct site *nc = &np->sites[i];
		struct siteinfo *old = NULL;
		for (size_t k = 0; k < on; k++)
			if (os[k].cfg && !strcmp(os[k].cfg->name, nc->name))
				old = &os[k];
		if (old && site_equal(old->cfg, nc)) {
			/* Unchanged: keep the binding and its timers; no re-render. */
			ns[i] = *old;
			ns[i].cfg = nc;
			ns[i].group = NULL;
			move_timer(d, &old->settle, &ns[i].settle, &ns[i]);
			move_timer(d, &old->cert_timer, &ns[i].cert_timer, &ns[i]);
			move_timer(d, &old->remind, &ns[i].remind, &ns[i]);
			memset(&old->cert, 0, sizeof(old->cert));
			old->cfg = NULL;
		} else {
			ns[i].cfg = NULL;
		}
	}
	for (size_t k = 0; k < on; k++) {
		if (os[k].cfg) {
			if (!policy_site(np, os[k].cfg->name))
				log_msg(LOG_NOTICE, "site %s removed from the policy; its files are "
					"left as they are", os[k].cfg->name);
			timer_cancel(&d->timers, &os[k].settle);
			timer_cancel(&d->timers, &os[k].cert_timer);
			timer_cancel(&d->timers, &os[k].remind);
			cert_free(&os[k].cert);
		}
	}
	free(os);
	policy_free(d->pol);
	d->pol = np;
	log_init(np->syslog_ident, np->syslog_facility, log_stderr(), log_verbose());
	d->sites = ns;
	d->nsites = np->nsites;
	index_build(d);
	/* The waiting list pointed into the old table: rebuild it from the flags. */
	d->waiting = NULL;
	for (size_t i = 0; i < d->nsites; i++) {
		bool w = ns[i].cfg && ns[i].waiting;
		ns[i].waiting = false;
		ns[i].wnext = ns[i].wprev = NULL;
		if (w)
			site_set_waiting(&ns[i], true);
	}
	for (size_t i = 0; i < d->nsites; i++) {
		if (ns[i].cfg) {
			/* Unchanged policy, but the certificate may have been renewed on disk. */
			unsigned char before[32];
			memcpy(before, ns[i].cert.sha256, sizeof(before));
			if (ns[i].cert_ok && watch_recheck_cert(d, &ns[i]) == 0 &&
			    memcmp(before, ns[i].cert.sha256, sizeof(before))) {
				watch_cert(d, &ns[i], NULL);
				if (ns[i].state == SS_BOUND || ns[i].state == SS_WILDCARD)
					job_start(d, &ns[i], ns[i].cfg->wildcard ? NULL : &ns[i].cur,
						  ns[i].cur_ifindex, true, NULL, NULL);
			}
			continue;
		}
		site_init(d, &ns[i], &np->sites[i], NULL);
		site_index_update(d, &ns[i]);
		reconcile(d, &ns[i], NULL);
		site_index_update(d, &ns[i]);
	}
	daemon_write_state(d);
	watch_nonlocal(d);
	ev_begin(&e, "config-reloaded");
	ev_add(&e, "file", d->config_path);
	ev_addf(&e, "sites", "%zu", d->nsites);
	ev_emit(&e, LOG_NOTICE);
	sd_notify(0, "READY=1");
	return 0;
}

/* --- the loop ------------------------------------------------------------------------ */

static void on_signal(struct daemon *d, struct watcher *w, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct errlist errs = { 0 };
			daemon_reload(d, &errs);
			errlist_free(&errs);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			d->quit = true;
		} else if (si.ssi_signo == SIGCHLD) {
			on_sigchld(d);
		}
	}
}

static void on_timerfd(struct daemon *d, struct watcher *w, uint32_t events)
{
	uint64_t n;

	if (read(w->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("timerfd");
	d->armed_for = 0;
}

/* Sets the timerfd to the earliest deadline, or disarms it: no wake-ups when idle. */
static void rearm(struct daemon *d)
{
	struct timer *t = timer_first(&d->timers);
	uint64_t when = t ? t->when : 0;
	struct itimerspec its = { 0 };

	if (when == d->armed_for)
		return;
	if (when) {
		/* CLOCK_MONOTONIC absolute; 0 would disarm, so never pass it. */
		its.it_value.tv_sec = (time_t)(when / 1000);
		its.it_value.tv_nsec = (long)(when % 1000) * 1000000 + 1;
	}
	if (timerfd_settime(d->w_timer.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("timerfd_settime");
	d->armed_for = when;
}

/* systemd's watchdog: the loop's only periodic wake-up, at half WATCHDOG_USEC. */
static void on_watchdog(void *arg)
{
	struct daemon *d = arg;

	sd_notify(0, "WATCHDOG=1");
	timer_arm(&d->timers, &d->watchdog, now_ms() + d->watchdog_ms);
}

static int setup_signals(struct daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	d->w_sig = (struct watcher){ .cb = on_signal };
	d->w_sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->w_sig.fd < 0 ? -1 : 0;
}

int daemon_init(struct daemon *d, const struct daemon_opts *o)
{
	struct errlist errs = { 0 };
	struct binding *bindings = NULL;
	size_t nb = 0;
	struct ev e;

	memset(d, 0, sizeof(*d));
	d->config_path = o->config_path;
	d->dry_run = o->dry_run;
	d->epfd = -1;
	if (policy_load(o->config_path, &d->pol, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_msg(LOG_ERR, "%s", errs.msg[i]);
		errlist_free(&errs);
		return 78;
	}
	log_init(d->pol->syslog_ident, d->pol->syslog_facility, log_stderr(), log_verbose());
	d->sslctx = tlsprobe_ctx_new();
	d->tab = addrtab_new();
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!d->sslctx || !d->tab || d->epfd < 0 || setup_signals(d) < 0) {
		log_warn("start-up");
		return 71;
	}
	d->w_timer = (struct watcher){ .cb = on_timerfd };
	d->w_timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->w_timer.fd < 0) {
		log_warn("timerfd_create");
		return 71;
	}
	/* Subscribe before dumping, so no change falls between the dump and the events. */
	d->nl = nlwatch_open(d->tab, &nlops, d);
	if (!d->nl) {
		log_warn("netlink subscription");
		return 71;
	}
	d->w_nl = (struct watcher){ .fd = nlwatch_fd(d->nl), .cb = on_netlink };
	d->resync_timer = (struct timer){ .fn = on_resync_timer, .arg = d };
	d->nl_pause = (struct timer){ .fn = on_nl_pause, .arg = d };
	daemon_watch(d, &d->w_nl, EPOLLIN);
	daemon_watch(d, &d->w_sig, EPOLLIN);
	daemon_watch(d, &d->w_timer, EPOLLIN);
	if (build_sites(d) < 0)
		return 71;
	if (control_open(d) < 0)
		return 71;
	watch_init(d);
	{
		uint64_t usec = 0;
		if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000) {
			d->watchdog_ms = usec / 2000;
			d->watchdog = (struct timer){ .fn = on_watchdog, .arg = d };
			timer_arm(&d->timers, &d->watchdog, now_ms() + d->watchdog_ms);
		}
	}
	file_clean_temps(d->pol->state_file);
	if (d->pol->metrics_file)
		file_clean_temps(d->pol->metrics_file);
	if (state_read(d->pol->state_file, &bindings, &nb, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_msg(LOG_WARNING, "state file ignored: %s", errs.msg[i]);
		errlist_free(&errs);
	}
	ev_begin(&e, "started");
	ev_add(&e, "version", CERTBIND_VERSION);
	ev_add(&e, "config", d->config_path);
	ev_addf(&e, "sites", "%zu", d->nsites);
	ev_addf(&e, "addresses", "%zu", addrtab_count(d->tab));
	if (d->dry_run)
		ev_add(&e, "mode", "dry-run");
	ev_emit(&e, LOG_NOTICE);
	for (size_t i = 0; i < d->nsites; i++) {
		const struct binding *b = NULL;
		for (size_t k = 0; k < nb; k++)
			if (!strcmp(bindings[k].site, d->sites[i].cfg->name))
				b = &bindings[k];
		reconcile(d, &d->sites[i], b);
		site_index_update(d, &d->sites[i]);
	}
	free(bindings);
	daemon_write_state(d);
	daemon_flush_state(d);
	watch_stale_now(d);
	return 0;
}

/* Tells systemd how many sites are bound; only when that changed. */
static void notify_status(struct daemon *d)
{
	static char last[128];
	char now[128];
	size_t bound = 0, unbound = 0, failed = 0;

	/* Counting is O(sites): only when some site's state changed, not on every pass. */
	if (!d->status_dirty)
		return;
	d->status_dirty = false;

	for (size_t i = 0; i < d->nsites; i++) {
		enum site_state s = d->sites[i].state;
		bound += s == SS_BOUND || s == SS_WILDCARD;
		unbound += s == SS_UNBOUND;
		failed += s == SS_FAILED;
	}
	snprintf(now, sizeof(now), "STATUS=%zu sites: %zu bound, %zu unbound, %zu failed",
		 d->nsites, bound, unbound, failed);
	if (strcmp(now, last)) {
		sd_notify(0, now);
		memcpy(last, now, sizeof(last));
	}
}

int daemon_run(struct daemon *d)
{
	struct epoll_event evs[32];
	bool ready = false;
	struct ev e;

	while (!d->quit) {
		int n;
		/* Ready once the start-up reconciliation (its renders and reloads) is done. */
		if (!ready && !d->jobs_running) {
			d->status_dirty = true;
			notify_status(d);
			sd_notify(0, "READY=1");
			ready = true;
		}
		daemon_flush_state(d);
		metrics_flush(d, false);
		rearm(d);
		n = epoll_wait(d->epfd, evs, 32, -1);
		if (n < 0 && errno != EINTR) {
			log_warn("epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct watcher *w = evs[i].data.ptr;
			w->cb(d, w, evs[i].events);
		}
		timer_run(&d->timers, now_ms());
		if (ready)
			notify_status(d);
	}
	daemon_flush_state(d);
	metrics_flush(d, true);
	sd_notify(0, "STOPPING=1");
	ev_begin(&e, "stopping");
	ev_emit(&e, LOG_NOTICE);
	return 0;
}

void daemon_free(struct daemon *d)
{
	control_close(d);
	alerts_free(d);
	watch_free(d);
	if (d->sites)
		free_sites(d, d->sites, d->nsites);
	d->sites = NULL;
	siteindex_free(&d->index);
	nlwatch_close(d->nl);
	addrtab_free(d->tab);
	timerheap_free(&d->timers);
	SSL_CTX_free(d->sslctx);
	if (d->w_sig.fd > 0)
		close(d->w_sig.fd);
	if (d->w_timer.fd > 0)
		close(d->w_timer.fd);
	if (d->epfd >= 0)
		close(d->epfd);
	policy_free(d->pol);
}
