/* SPDX-License-Identifier: MIT */
/* Netlink address/link subscription feeding the address table; raw netlink stays inside. */
#ifndef CERTBIND_NLWATCH_H
#define CERTBIND_NLWATCH_H

#include "netlink/addrtab.h"

struct nlwatch_ops {
	/* An address changed (after the table was updated). e is valid only during the call. */
	void (*addr)(void *arg, const struct addrent *e, enum addr_change chg);
	/* A link appeared, was renamed or went away (gone = true); flag changes are not told. */
	void (*link)(void *arg, int ifindex, const char *name, unsigned flags, bool gone);
	/* Events were lost (ENOBUFS) and a full re-dump was diffed: changes = differences. */
	void (*resync)(void *arg, unsigned changes);
};

struct nlwatch;

/*
 * Subscribes to address and link events, then dumps links and addresses into t (the
 * subscription comes first, so nothing falls into a gap). The initial dump reports every
 * address through ops->addr. Returns NULL with errno set on failure.
 */
struct nlwatch *nlwatch_open(struct addrtab *t, const struct nlwatch_ops *ops, void *arg);
void nlwatch_close(struct nlwatch *w);
int nlwatch_fd(const struct nlwatch *w);
/*
 * Reads everything pending (non-blocking); now is now_ms(). On overflow it
 * drains the socket and re-dumps, at most once per NLWATCH_RESYNC_MIN_MS: a later
 * overflow sets *resync_due (ms) for the caller to call nlwatch_resync then.
 * Returns 0, or -1 on a fatal socket error.
 */
#define NLWATCH_RESYNC_MIN_MS 1000
int nlwatch_process(struct nlwatch *w, uint64_t now, uint64_t *resync_due);
/* Re-dumps all links and addresses and reports the difference; returns changes or -1. */
int nlwatch_resync(struct nlwatch *w);
/* The receive buffer: 32 MiB, or CERTBIND_NETLINK_RCVBUF bytes (for tests and tuning). */
/* Events processed so far, resyncs so far. */
unsigned long nlwatch_events(const struct nlwatch *w);
unsigned long nlwatch_resyncs(const struct nlwatch *w);

#endif
