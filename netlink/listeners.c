// SPDX-License-Identifier: MIT
/* inet_diag listener dumps through libnl-idiag-3. */
#include "netlink/listeners.h"

#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netlink/idiag/idiagnl.h>
#include <netlink/idiag/msg.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/grow.h"

struct listeners {
	struct nl_sock *sk;
};

struct listeners *listeners_open(void)
{
	struct listeners *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->sk = nl_socket_alloc();
	if (!l->sk || idiagnl_connect(l->sk) < 0) {
		listeners_close(l);
		return NULL;
	}
	return l;
}

void listeners_close(struct listeners *l)
{
	if (!l)
		return;
	if (l->sk)
		nl_socket_free(l->sk);
	free(l);
}

struct collect {
	struct listener *v;
	size_t n, cap;
	bool oom;
};

static void collect_one(struct nl_object *obj, void *arg)
{
	struct idiagnl_msg *m = (struct idiagnl_msg *)obj;
	struct collect *c = arg;
	struct nl_addr *src = idiagnl_msg_get_src(m);
	struct listener *x;

	if (!src || idiagnl_msg_get_state(m) != IDIAG_SS_LISTEN)
		return;
	if (GROW(c->v, c->n, c->cap, 32) < 0) {
		c->oom = true;
		return;
	}
	x = &c->v[c->n];
	memset(x, 0, sizeof(*x));
	x->addr.family = (sa_family_t)idiagnl_msg_get_family(m);
	if (x->addr.family != AF_INET && x->addr.family != AF_INET6)
		return;
	/* libnl hands over the kernel's 16-byte idiag_src array whatever the family. */
	if ((size_t)nl_addr_get_len(src) < ipaddr_len(&x->addr))
		return;
	memcpy(x->addr.u.b, nl_addr_get_binary_addr(src), ipaddr_len(&x->addr));
	x->any = true;
	for (size_t i = 0; i < ipaddr_len(&x->addr); i++)
		if (x->addr.u.b[i])
			x->any = false;
	x->port = ntohs(idiagnl_msg_get_sport(m));    /* kept in network order by libnl */
	x->inode = idiagnl_msg_get_inode(m);
	c->n++;
}

static int by_socket(const void *a, const void *b)
{
	const struct listener *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* Port, family, address: the order listeners_serve searches in. */
static int by_endpoint(const void *a, const void *b)
{
	const struct listener *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	return memcmp(x->addr.u.b, y->addr.u.b, ipaddr_len(&x->addr));
}

/* The per-family dumps can return the same socket twice: once each, then in search order. */
static size_t sort_unique(struct listener *v, size_t n)
{
	size_t k = 0;

	if (!n)
		return 0;      /* v may be NULL: nothing listens */
	qsort(v, n, sizeof(*v), by_socket);
	for (size_t i = 0; i < n; i++)
		if (!k || !v[i].inode || v[i].inode != v[k - 1].inode)
			v[k++] = v[i];
	qsort(v, k, sizeof(*v), by_endpoint);
	return k;
}

int listeners_dump(struct listeners *l, struct listener **out, size_t *n)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct collect c = { 0 };

	*out = NULL;
	*n = 0;
	for (size_t f = 0; f < 2; f++) {
		struct nl_cache *cache = NULL;
		int err = idiagnl_msg_alloc_cache(l->sk, families[f], 1 << IDIAG_SS_LISTEN, &cache);
		if (err < 0) {
			free(c.v);
			errno = EIO;
			return -1;
		}
		nl_cache_foreach(cache, collect_one, &c);
		nl_cache_free(cache);
	}
	if (c.oom) {
		free(c.v);
		errno = ENOMEM;
		return -1;
	}
	*out = c.v;
	*n = sort_unique(c.v, c.n);
	return 0;
}

bool listeners_serve(const struct listener *v, size_t n, const struct ipaddr *a, unsigned port)
{
	struct listener key = { .addr = { .family = a->family }, .port = port };

	if (!n || (a->family != AF_INET && a->family != AF_INET6))
		return false;
	/* Family-exact: a [::] listener may be v6only (nginx's default), so it proves nothing
	 * for IPv4; the handshake that follows is the real proof anyway. */
	if (bsearch(&key, v, n, sizeof(*v), by_endpoint))
		return true;
	memcpy(key.addr.u.b, a->u.b, ipaddr_len(a));
	return bsearch(&key, v, n, sizeof(*v), by_endpoint) != NULL;
}

static int by_inode(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Of the sorted inodes[n], the index of the socket link names, or -1. */
static long wanted(const char *link, const uint32_t *inodes, size_t n)
{
	const uint32_t *hit;
	unsigned long v;
	uint32_t key;
	char *end;

	if (strncmp(link, "socket:[", 8))
		return -1;
	v = strtoul(link + 8, &end, 10);
	if (*end != ']' || v > UINT32_MAX)
		return -1;
	key = (uint32_t)v;
	hit = bsearch(&key, inodes, n, sizeof(*inodes), by_inode);
	return hit ? hit - inodes : -1;
}

/* The fds of one process: each wanted socket it holds gets its pid (first owner wins). */
static size_t scan_fds(const char *pid, const uint32_t *inodes, size_t n, int *pids)
{
	char path[600], link[64];
	struct dirent *f;
	size_t found = 0;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	if (!(fds = opendir(path)))
		return 0;
	while ((f = readdir(fds))) {
		ssize_t len;
		long k;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, f->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if ((k = wanted(link, inodes, n)) >= 0 && !pids[k]) {
			pids[k] = atoi(pid);
			found++;
		}
	}
	closedir(fds);
	return found;
}

size_t listeners_owners(uint32_t *inodes, size_t n, int *pids)
{
	DIR *proc;
	struct dirent *p;
	size_t found = 0;

	memset(pids, 0, n * sizeof(*pids));
	if (!n || !(proc = opendir("/proc")))
		return 0;
	qsort(inodes, n, sizeof(*inodes), by_inode);
	/* One pass over every process, however many sockets are looked for. */
	while (found < n && (p = readdir(proc)))
		if (p->d_name[0] >= '1' && p->d_name[0] <= '9')
			found += scan_fds(p->d_name, inodes, n, pids);
	closedir(proc);
	return found;
}

void listeners_comm(int pid, char *comm, size_t commlen)
{
	char path[64];
	FILE *fc;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm[0] = '\0';
	if ((fc = fopen(path, "re"))) {
		if (fgets(comm, (int)commlen, fc))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(fc);
	}
}
