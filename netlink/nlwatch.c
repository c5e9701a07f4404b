// SPDX-License-Identifier: MIT
/* libnl-route-3 subscription to address and link events, initial dump, overflow resync. */
#include "netlink/nlwatch.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Room for a storm of ~20,000 events (each costs ~1 KiB of skb truesize) before overflow. */
#define NLWATCH_RCVBUF (32 * 1024 * 1024)

struct nlwatch {
	struct nl_sock *ev;       /* multicast subscription, non-blocking */
	struct nl_sock *dump;     /* request/response, used for dumps only */
	struct addrtab *t;
	const struct nlwatch_ops *ops;
	void *arg;
	int msgtype;              /* type of the message being parsed */
	bool quiet;               /* initial dump: fill the table, report nothing */
	unsigned changes;         /* differences found by the current resync */
	unsigned long events, resyncs;
	uint64_t last_resync;     /* ms, now_ms()'s clock */
};

static int addr_from_obj(struct rtnl_addr *a, struct addrent *e)
{
	struct nl_addr *local = rtnl_addr_get_local(a);

	memset(e, 0, sizeof(*e));
	if (!local)
		return -1;
	e->ip.family = (sa_family_t)nl_addr_get_family(local);
	if ((e->ip.family != AF_INET && e->ip.family != AF_INET6) ||
	    nl_addr_get_len(local) != ipaddr_len(&e->ip))
		return -1;
	memcpy(e->ip.u.b, nl_addr_get_binary_addr(local), ipaddr_len(&e->ip));
	e->ifindex = rtnl_addr_get_ifindex(a);
	e->prefixlen = (uint8_t)rtnl_addr_get_prefixlen(a);
	e->scope = (uint8_t)rtnl_addr_get_scope(a);
	e->flags = rtnl_addr_get_flags(a);
	e->cstamp = rtnl_addr_get_create_time(a);
	return 0;
}

static void report(struct nlwatch *w, const struct addrent *e, enum addr_change chg)
{
	if (chg == AC_NONE)
		return;
	w->changes++;
	if (!w->quiet && w->ops->addr)
		w->ops->addr(w->arg, e, chg);
}

static void gone_cb(void *arg, const struct addrent *e, enum addr_change chg)
{
	report(arg, e, chg);
}

static void apply_addrent(struct nlwatch *w, struct addrent *e, bool del);

static void apply_addr(struct nlwatch *w, struct rtnl_addr *a, bool del)
{
	struct addrent e;

	if (addr_from_obj(a, &e) == 0)
		apply_addrent(w, &e, del);
}

static void apply_link(struct nlwatch *w, struct rtnl_link *l, bool del)
{
	int ifindex = rtnl_link_get_ifindex(l);
	const char *name = rtnl_link_get_name(l);
	unsigned flags = rtnl_link_get_flags(l);

	const char *old = addrtab_link_name(w->t, ifindex);
	/* Flag and carrier changes are not news here: only a link's name and existence are. */
	bool news = del || !old || !name || strcmp(old, name);

	if (del) {
		/* The kernel reports each address too; this keeps the table right regardless. */
		addrtab_remove_ifindex(w->t, ifindex, gone_cb, w);
		addrtab_link_del(w->t, ifindex);
	} else {
		addrtab_link_set(w->t, ifindex, name, flags);
	}
	if (news && !w->quiet && w->ops->link)
		w->ops->link(w->arg, ifindex, name ? name : "", flags, del);
}

static void parse_obj(struct nl_object *obj, void *arg)
{
	struct nlwatch *w = arg;
	const char *type = nl_object_get_type(obj);

	w->events++;
	if (!strcmp(type, "route/addr"))
		apply_addr(w, (struct rtnl_addr *)obj, w->msgtype == RTM_DELADDR);
	else if (!strcmp(type, "route/link"))
		apply_link(w, (struct rtnl_link *)obj, w->msgtype == RTM_DELLINK);
}

/*
 * The hot path: address messages are read with libnl's attribute parser straight into an
 * addrent, without the generic object machinery (a cache-ops lookup and an allocated
 * rtnl_addr per message). Links are rare and go through nl_msg_parse.
 */
static struct nla_policy addr_policy[IFA_MAX + 1] = {
	[IFA_LOCAL] = { .minlen = 4 },
	[IFA_ADDRESS] = { .minlen = 4 },
	[IFA_FLAGS] = { .type = NLA_U32 },
	[IFA_CACHEINFO] = { .minlen = sizeof(struct ifa_cacheinfo) },
};

static int addr_from_msg(struct nlmsghdr *h, struct addrent *e)
{
	struct nlattr *tb[IFA_MAX + 1];
	struct ifaddrmsg *ifa;
	struct nlattr *a;

	if (nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, addr_policy) < 0)
		return -1;
	ifa = nlmsg_data(h);
	memset(e, 0, sizeof(*e));
	e->ip.family = ifa->ifa_family;
	if (e->ip.family != AF_INET && e->ip.family != AF_INET6)
		return -1;
	/* IFA_LOCAL is the address itself where it differs from IFA_ADDRESS (the peer). */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || (size_t)nla_len(a) != ipaddr_len(&e->ip))
		return -1;
	memcpy(e->ip.u.b, nla_data(a), ipaddr_len(&e->ip));
	e->ifindex = (int)ifa->ifa_index;
	e->prefixlen = ifa->ifa_prefixlen;
	e->scope = ifa->ifa_scope;
	e->flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	if (tb[IFA_CACHEINFO])
		e->cstamp = ((struct ifa_cacheinfo *)nla_data(tb[IFA_CACHEINFO]))->cstamp;
	return 0;
}

static void apply_addrent(struct nlwatch *w, struct addrent *e, bool del)
{
	enum addr_change chg;
	const struct addrent *cur;

	if (del) {
		addrtab_remove(w->t, &e->ip, e->ifindex, &chg);
		report(w, e, chg);
		return;
	}
	if (addrtab_upsert(w->t, e, &chg) < 0)
		return;
	cur = addrtab_find(w->t, &e->ip, e->ifindex);
	report(w, cur ? cur : e, chg);
}

static void dump_link(struct nl_object *obj, void *arg)
{
	struct nlwatch *w = arg;

	w->msgtype = RTM_NEWLINK;
	apply_link(w, (struct rtnl_link *)obj, false);
}

static void dump_addr(struct nl_object *obj, void *arg)
{
	struct nlwatch *w = arg;

	apply_addr(w, (struct rtnl_addr *)obj, false);
}

static int dump_all(struct nlwatch *w)
{
	struct nl_cache *links = NULL, *addrs = NULL;
	int err;

	err = rtnl_link_alloc_cache(w->dump, AF_UNSPEC, &links);
	if (err < 0)
		goto out;
	err = rtnl_addr_alloc_cache(w->dump, &addrs);
	if (err < 0)
		goto out;
	nl_cache_foreach(links, dump_link, w);
	addrtab_mark_unseen(w->t);
	nl_cache_foreach(addrs, dump_addr, w);
	addrtab_sweep(w->t, gone_cb, w);
out:
	if (addrs)
		nl_cache_free(addrs);
	if (links)
		nl_cache_free(links);
	if (err < 0) {
		errno = err == -NLE_NOMEM ? ENOMEM : EIO;
		return -1;
	}
	return 0;
}

struct nlwatch *nlwatch_open(struct addrtab *t, const struct nlwatch_ops *ops, void *arg)
{
	struct nlwatch *w = calloc(1, sizeof(*w));
	const char *env = getenv("CERTBIND_NETLINK_RCVBUF");
	int size = env && atoi(env) > 0 ? atoi(env) : NLWATCH_RCVBUF, err;

	if (!w)
		return NULL;
	w->t = t;
	w->ops = ops;
	w->arg = arg;
	w->ev = nl_socket_alloc();
	w->dump = nl_socket_alloc();
	if (!w->ev || !w->dump)
		goto fail;
	nl_socket_disable_seq_check(w->ev);
	if (nl_connect(w->ev, NETLINK_ROUTE) < 0 || nl_connect(w->dump, NETLINK_ROUTE) < 0)
		goto fail;
	err = nl_socket_add_memberships(w->ev, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
					RTNLGRP_IPV6_IFADDR, 0);
	if (err < 0)
		goto fail;
	/* A large buffer defers overflow; overflow itself is handled by resync, never hidden. */
	if (setsockopt(nl_socket_get_fd(w->ev), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		nl_socket_set_buffer_size(w->ev, size, 0);
	nl_socket_set_nonblocking(w->ev);
	w->quiet = true;
	if (dump_all(w) < 0)
		goto fail;
	w->quiet = false;
	return w;
fail:
	err = errno ? errno : EIO;
	nlwatch_close(w);
	errno = err;
	return NULL;
}

void nlwatch_close(struct nlwatch *w)
{
	if (!w)
		return;
	if (w->ev)
		nl_socket_free(w->ev);
	if (w->dump)
		nl_socket_free(w->dump);
	free(w);
}

int nlwatch_fd(const struct nlwatch *w)
{
	return nl_socket_get_fd(w->ev);
}

static void drain(struct nlwatch *w)
{
	char buf[4096];

	/* Whatever is queued predates the re-dump that follows, which supersedes it. */
	while (recv(nl_socket_get_fd(w->ev), buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) > 0 ||
	       errno == ENOBUFS || errno == EINTR)
		;
}

int nlwatch_resync(struct nlwatch *w)
{
	w->changes = 0;
	if (dump_all(w) < 0)
		return -1;
	w->resyncs++;
	if (w->ops->resync)
		w->ops->resync(w->arg, w->changes);
	return (int)w->changes;
}

/* Links are rare: through libnl's object parser (it needs an nl_msg). */
static void handle_link(struct nlwatch *w, struct nlmsghdr *h)
{
	struct nl_msg *msg = nlmsg_convert(h);

	if (!msg)
		return;
	/* nl_msg_parse finds its parser by protocol: nlmsg_convert leaves it unset. */
	nlmsg_set_proto(msg, NETLINK_ROUTE);
	w->msgtype = h->nlmsg_type;
	nl_msg_parse(msg, parse_obj, w);
	nlmsg_free(msg);
}

static void handle(struct nlwatch *w, struct nlmsghdr *h)
{
	struct addrent e;

	switch (h->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		w->events++;
		if (addr_from_msg(h, &e) == 0)
			apply_addrent(w, &e, h->nlmsg_type == RTM_DELADDR);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		handle_link(w, h);
		break;
	}
}

/* The kernel dropped events: our view is stale until re-dumped (at most so often). */
static int overrun(struct nlwatch *w, uint64_t now, uint64_t *resync_due)
{
	drain(w);
	if (w->last_resync && now < w->last_resync + NLWATCH_RESYNC_MIN_MS) {
		*resync_due = w->last_resync + NLWATCH_RESYNC_MIN_MS;
		return 0;
	}
	w->last_resync = now;
	return nlwatch_resync(w) < 0 ? -1 : 0;
}

int nlwatch_process(struct nlwatch *w, uint64_t now, uint64_t *resync_due)
{
	/* One buffer for every datagram: no allocation per message on the hot path. */
	static char buf[64 * 1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = nl_socket_get_fd(w->ev);

	*resync_due = 0;
	for (;;) {
		/* Not the kernel unless recvfrom says so: an unfilled sender is dropped. */
		struct sockaddr_nl from = { .nl_family = AF_NETLINK, .nl_pid = UINT32_MAX };
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &fromlen);
		int rem;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS)
			return overrun(w, now, resync_due);
		if (n < 0)
			return -1;
		/* Only the kernel speaks for the kernel: any process may unicast to our port. */
		if (fromlen != sizeof(from) || from.nl_pid != 0)
			continue;
		rem = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, rem);
		     h = nlmsg_next(h, &rem))
			handle(w, h);
	}
}

unsigned long nlwatch_events(const struct nlwatch *w)
{
	return w->events;
}

unsigned long nlwatch_resyncs(const struct nlwatch *w)
{
	return w->resyncs;
}
