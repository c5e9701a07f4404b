/* SPDX-License-Identifier: MIT */
/* The decision: (site, address table, what changed) -> what to do. Pure: no I/O. */
#ifndef CERTBIND_DECIDE_H
#define CERTBIND_DECIDE_H

#include "netlink/addrtab.h"
#include "policy/policy.h"

enum action {
	ACT_NONE,          /* bound (or wildcard): nothing to do */
	ACT_REBIND,        /* rebind to .to */
	ACT_ALERT,         /* alert; .cands lists replacement candidates */
	ACT_LOG,           /* on_change = ignore: log at info */
	ACT_NO_CANDIDATE,  /* rebind wanted, nothing matches follow: alert, wait */
	ACT_WAIT,          /* rebind wanted, a matching address is still tentative (DAD) */
};

#define DECIDE_MAX_CANDS 8

struct decision {
	enum action action;
	struct ipaddr to;
	int to_ifindex;
	unsigned to_plen;      /* the replacement's prefix length */
	struct ipaddr cands[DECIDE_MAX_CANDS];   /* best first */
	size_t ncands;
};

/* What the caller knows beyond the table: the other sites. */
struct decide_ctx {
	const struct addrtab *tab;
	/* Where the lost address was (ifindex 0 if unknown), and its prefix length (0 unknown). */
	int lost_ifindex;
	unsigned lost_plen;
	/* ADDRESS:PORT held by another site than self? */
	bool (*endpoint_taken)(void *arg, const struct site *self, const struct ipaddr *a,
			       unsigned port);
	/* Does the address back another site? */
	bool (*address_shared)(void *arg, const struct site *self, const struct ipaddr *a);
	void *arg;
};

/* Is the site's current address cur present and usable (on its interface, if set)? */
bool decide_bound(const struct site *s, const struct ipaddr *cur, const struct addrtab *tab);

/* Decides for site s, currently bound to cur (absent or not). Fills *out; returns out->action. */
enum action decide(const struct site *s, const struct ipaddr *cur, const struct decide_ctx *ctx,
		   struct decision *out);

/* Does the entry match the site's follow rule (interface, family, prefix, host part)? */
bool decide_follows(const struct site *s, const struct ipaddr *lost, const struct decide_ctx *ctx,
		    const struct addrent *e);

#endif
