// SPDX-License-Identifier: MIT
/*
 * Decision latency probe. Moves an address back and forth N times with libnl (each request
 * acknowledged by the kernel before the clock is read), and measures the time until the
 * target file is renamed into place (inotify IN_MOVED_TO). Prints one latency in
 * microseconds per line. Before the next change it waits for the daemon's commit (its
 * state file renamed into STATEDIR), so that one change's latency never includes the tail
 * of the previous one.
 * usage: nlchange IFNAME ADDR_A ADDR_B PREFIXLEN DIR FILE N STATEDIR STATEFILE
 */
#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct rtnl_addr *mkaddr(int ifindex, const char *a, int plen)
{
	struct rtnl_addr *r = rtnl_addr_alloc();
	struct nl_addr *na = NULL;
	char buf[64];

	snprintf(buf, sizeof(buf), "%s/%d", a, plen);
	if (nl_addr_parse(buf, AF_INET, &na) < 0)
		exit(2);
	rtnl_addr_set_ifindex(r, ifindex);
	rtnl_addr_set_local(r, na);
	nl_addr_put(na);
	return r;
}

/* Waits for FILE to be renamed into DIR; returns 0, or -1 after 5 s. */
static int wait_moved(int in, const char *file)
{
	char buf[4096] __attribute__((aligned(8)));

	for (;;) {
		struct pollfd p = { .fd = in, .events = POLLIN };
		ssize_t n;
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		n = read(in, buf, sizeof(buf));
		for (char *c = buf; n > 0 && c < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)c;
			if ((e->mask & IN_MOVED_TO) && e->len && !strcmp(e->name, file))
				return 0;
			c += sizeof(*e) + e->len;
		}
	}
}

int main(int argc, char **argv)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links;
	int ifindex, in, n, plen;
	const char *addr[2];

	int st;

	if (argc != 10) {
		fprintf(stderr, "usage: nlchange IFNAME ADDR_A ADDR_B PREFIXLEN DIR FILE N STATEDIR "
			"STATEFILE\n");
		return 64;
	}
	addr[0] = argv[2];
	addr[1] = argv[3];
	plen = atoi(argv[4]);
	n = atoi(argv[7]);
	if (nl_connect(sk, NETLINK_ROUTE) < 0 || rtnl_link_alloc_cache(sk, AF_UNSPEC, &links) < 0)
		return 1;
	ifindex = rtnl_link_name2i(links, argv[1]);
	in = inotify_init1(IN_CLOEXEC);
	st = inotify_init1(IN_CLOEXEC);
	if (!ifindex || in < 0 || st < 0 || inotify_add_watch(in, argv[5], IN_MOVED_TO) < 0 ||
	    inotify_add_watch(st, argv[8], IN_MOVED_TO) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct rtnl_addr *old = mkaddr(ifindex, addr[i % 2], plen);
		struct rtnl_addr *new = mkaddr(ifindex, addr[(i + 1) % 2], plen);
		long long t0;
		int err;

		/* The new address first, then the old one goes: the change is complete when the
		 * delete is acknowledged (rtnl_addr_add/delete wait for the kernel's ACK). */
		if ((err = rtnl_addr_add(sk, new, 0)) < 0 || (err = rtnl_addr_delete(sk, old, 0)) < 0) {
			fprintf(stderr, "nlchange: %s\n", nl_geterror(err));
			return 1;
		}
		t0 = now_us();
		if (wait_moved(in, argv[6]) < 0) {
			fprintf(stderr, "nlchange: no rename within 5 s (iteration %d)\n", i);
			return 1;
		}
		printf("%lld\n", now_us() - t0);
		if (wait_moved(st, argv[9]) < 0) {
			fprintf(stderr, "nlchange: no commit within 5 s (iteration %d)\n", i);
			return 1;
		}
		rtnl_addr_put(old);
		rtnl_addr_put(new);
	}
	return 0;
}
