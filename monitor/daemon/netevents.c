// SPDX-License-Identifier: MIT
/* Netlink into the sites: address and link callbacks, overflow resyncs, storm coalescing. */
#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>

#include "monitor/core/log.h"
#include "monitor/daemon/daemon.h"
#include "monitor/sites/addrevent.h"

#define STORM_WAKES 4           /* this many wake-ups with events ... */
#define STORM_WINDOW_MS 2       /* ... within this long: a storm */
#define STORM_PAUSE_MS 1        /* then let events gather this long between reads */

static void on_addr(void *arg, const struct addrent *e, enum addr_change chg)
{
	struct daemon *d = arg;

	d->addr_events++;
	sites_changed(&d->sites, SC_METRICS);
	addrevent_address(&d->sites, e, chg);
}

/* A rename (or an interface appearing under a name a site uses) changes which addresses
 * count for sites that name an interface; re-evaluate those. */
static void on_link(void *arg, int ifindex, const char *name, unsigned flags, bool gone)
{
	struct daemon *d = arg;

	log_debug("link %d (%s) %s", ifindex, name, gone ? "removed" : "changed");
	addrevent_links(&d->sites);
}

static void on_resync(void *arg, unsigned changes)
{
	struct daemon *d = arg;
	struct ev e;

	ev_begin(&e, "resync");
	ev_addf(&e, "changes", "%u", changes);
	ev_add(&e, "reason", "netlink receive buffer overflowed (events lost); re-dumped");
	ev_emit(&e, LOG_WARNING);
	addrevent_resync(&d->sites);
}

static const struct nlwatch_ops nlops = { .addr = on_addr, .link = on_link,
					  .resync = on_resync };

static void on_resync_timer(void *arg)
{
	struct daemon *d = arg;

	if (nlwatch_resync(d->nl) < 0)
		log_warn("netlink resync");
}

static void on_netlink(void *arg, uint32_t events)
{
	struct daemon *d = arg;
	unsigned long before = nlwatch_events(d->nl);
	uint64_t due = 0, now = now_ms();

	if (nlwatch_process(d->nl, now, &due) < 0)
		log_warn("netlink");
	/* Overflow again right after a resync: the re-dump is deferred, not skipped. */
	if (due && !timer_armed(&d->resync_timer))
		loop_arm(&d->L, &d->resync_timer, due);
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
		loop_unwatch(&d->L, &d->w_nl);
		loop_arm(&d->L, &d->nl_pause, now + STORM_PAUSE_MS);
	}
}

static void on_nl_pause(void *arg)
{
	struct daemon *d = arg;

	loop_watch(&d->L, &d->w_nl, EPOLLIN);
	on_netlink(d, EPOLLIN);
}

int netev_open(struct daemon *d)
{
	/* Subscribe before dumping, so no change falls between the dump and the events. */
	d->nl = nlwatch_open(d->tab, &nlops, d);
	if (!d->nl)
		return -1;
	d->w_nl = (struct watcher){ .fd = nlwatch_fd(d->nl), .cb = on_netlink, .arg = d };
	d->resync_timer = (struct timer){ .fn = on_resync_timer, .arg = d };
	d->nl_pause = (struct timer){ .fn = on_nl_pause, .arg = d };
	loop_watch(&d->L, &d->w_nl, EPOLLIN);
	return 0;
}

void netev_close(struct daemon *d)
{
	loop_cancel(&d->L, &d->resync_timer);
	loop_cancel(&d->L, &d->nl_pause);
	nlwatch_close(d->nl);
	d->nl = NULL;
}
