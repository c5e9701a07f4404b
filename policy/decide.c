// SPDX-License-Identifier: MIT
/* Decision table and replacement choice (SPEC.md, "What happens on an address change"). */
#include "policy/decide.h"

#include <linux/if_addr.h>
#include <string.h>

bool decide_bound(const struct site *s, const struct ipaddr *cur, const struct addrtab *tab)
{
	int ifindex = 0;

	if (s->wildcard)
		return true;
	if (s->interface) {
		ifindex = addrtab_link_index(tab, s->interface);
		if (!ifindex)
			return false;
	}
	return addrtab_find_usable(tab, cur, ifindex) != NULL;
}

/* The interface a replacement must be on: 0 any, -1 a named one that does not exist. */
static int follow_ifindex(const struct site *s, const struct decide_ctx *ctx)
{
	const char *ifname = s->follow.interface ? s->follow.interface : s->interface;
	int ifindex;

	if (!ifname)
		return ctx->lost_ifindex;
	ifindex = addrtab_link_index(ctx->tab, ifname);
	return ifindex ? ifindex : -1;
}

/*
 * The host part is what lies outside the lost address's own prefix length; unknown (the
 * address was never seen), it is taken from follow.prefix, else /24 (IPv4) or /64 (IPv6).
 */
static unsigned host_plen(const struct site *s, const struct ipaddr *lost,
			  const struct decide_ctx *ctx)
{
	if (ctx->lost_plen)
		return ctx->lost_plen;
	if (s->follow.has_prefix && s->follow.prefix.family == lost->family)
		return s->follow.plen;
	return lost->family == AF_INET6 ? 64 : 24;
}

static bool follows(const struct site *s, const struct ipaddr *lost,
		    const struct decide_ctx *ctx, int family, int ifindex, const struct addrent *e)
{
	if (e->ip.family != family || (ifindex && e->ifindex != ifindex))
		return false;
	if (s->follow.has_prefix && !ipaddr_in_prefix(&e->ip, &s->follow.prefix, s->follow.plen))
		return false;
	/* Renumbering a subnet or an IPv6 prefix: each site to its own counterpart. */
	return !s->follow.same_host || (e->ip.family == lost->family &&
					ipaddr_same_host(&e->ip, lost, host_plen(s, lost, ctx)));
}

bool decide_follows(const struct site *s, const struct ipaddr *lost, const struct decide_ctx *ctx,
		    const struct addrent *e)
{
	return follows(s, lost, ctx, s->follow.family ? s->follow.family : lost->family,
		       follow_ifindex(s, ctx), e);
}

struct cand {
	const struct addrent *e;
	bool shared;
};

/* Choice order: not shared, wider scope, newest, lowest address (deprecated never). */
static int cand_cmp(const struct cand *a, const struct cand *b)
{
	if (a->shared != b->shared)
		return a->shared ? 1 : -1;
	if (a->e->scope != b->e->scope)
		return a->e->scope < b->e->scope ? -1 : 1;
	if (a->e->cstamp != b->e->cstamp)
		return a->e->cstamp > b->e->cstamp ? -1 : 1;
	return ipaddr_cmp(&a->e->ip, &b->e->ip);
}

static void insert_best(struct cand *best, size_t *n, const struct cand *c)
{
	size_t i = *n < DECIDE_MAX_CANDS ? (*n)++ : DECIDE_MAX_CANDS;

	/* Keep the best DECIDE_MAX_CANDS in order: insertion from the tail. */
	while (i > 0 && cand_cmp(c, &best[i - 1]) < 0) {
		if (i < DECIDE_MAX_CANDS)
			best[i] = best[i - 1];
		i--;
	}
	if (i < DECIDE_MAX_CANDS)
		best[i] = *c;
}

/* Fills the candidates; returns whether a matching address is still in DAD. */
static bool candidates(const struct site *s, const struct ipaddr *lost,
		       const struct decide_ctx *ctx, struct decision *out)
{
	struct cand best[DECIDE_MAX_CANDS];
	size_t n = 0;
	bool tentative = false;
	int family = s->follow.family ? s->follow.family : lost->family;
	int ifindex = follow_ifindex(s, ctx);

	for (size_t i = 0; ifindex >= 0 && i < addrtab_count(ctx->tab); i++) {
		const struct addrent *e = addrtab_at(ctx->tab, i);
		struct cand c = { .e = e };

		/* A deprecated address is on its way out: never a replacement. */
		if (ipaddr_eq(&e->ip, lost) || (e->flags & (IFA_F_DEPRECATED | IFA_F_DADFAILED)) ||
		    !follows(s, lost, ctx, family, ifindex, e))
			continue;
		if (ctx->endpoint_taken && ctx->endpoint_taken(ctx->arg, s, &e->ip, s->port))
			continue;
		if (!addrent_usable(e)) {
			tentative = true;
			continue;
		}
		c.shared = ctx->address_shared && ctx->address_shared(ctx->arg, s, &e->ip);
		insert_best(best, &n, &c);
	}
	out->ncands = 0;
	for (size_t i = 0; i < n; i++) {
		/* The same address on two interfaces is one candidate. */
		bool dup = false;
		for (size_t j = 0; j < out->ncands; j++)
			dup |= ipaddr_eq(&out->cands[j], &best[i].e->ip);
		if (!dup)
			out->cands[out->ncands++] = best[i].e->ip;
	}
	if (n) {
		out->to = best[0].e->ip;
		out->to_ifindex = best[0].e->ifindex;
		out->to_plen = best[0].e->prefixlen;
	}
	return tentative;
}

enum action decide(const struct site *s, const struct ipaddr *cur, const struct decide_ctx *ctx,
		   struct decision *out)
{
	memset(out, 0, sizeof(*out));
	if (s->wildcard || decide_bound(s, cur, ctx->tab))
		return out->action = ACT_NONE;
	switch (s->on_change) {
	case ONC_IGNORE:
		return out->action = ACT_LOG;
	case ONC_ALERT:
		candidates(s, cur, ctx, out);
		return out->action = ACT_ALERT;
	case ONC_REBIND:
		if (candidates(s, cur, ctx, out) && !out->ncands)
			return out->action = ACT_WAIT;
		return out->action = out->ncands ? ACT_REBIND : ACT_NO_CANDIDATE;
	}
	return out->action = ACT_NONE;
}
