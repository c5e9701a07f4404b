/* SPDX-License-Identifier: MIT */
/* Listening TCP sockets, from the kernel's inet_diag (what `ss -lt` shows), via libnl-idiag-3. */
#ifndef CERTBIND_LISTENERS_H
#define CERTBIND_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink/ipaddr.h"

struct listener {
	struct ipaddr addr;       /* unspecified (0.0.0.0 / ::) for a wildcard listener */
	bool any;                 /* bound to the wildcard address */
	unsigned port;
	uint32_t inode;           /* to find the owning process through /proc */
};

struct listeners;

struct listeners *listeners_open(void);
void listeners_close(struct listeners *l);
/*
 * Dumps the listening TCP sockets (IPv4 and IPv6), each once, sorted by port, family and
 * address. *out is malloc'd (free it). A short, bounded request: the kernel filters by
 * state, so only listeners come back.
 */
int listeners_dump(struct listeners *l, struct listener **out, size_t *n);
/* Is something listening on a:port, or on the wildcard address of a's family for port?
 * v as listeners_dump returns it (sorted): O(log n). */
bool listeners_serve(const struct listener *v, size_t n, const struct ipaddr *a, unsigned port);
/*
 * The pids owning the socket inodes[n] (0: not found), by one scan of /proc however many
 * they are; inodes is sorted in place (pids follow that order). Slow: use when reporting.
 * Returns how many were found.
 */
size_t listeners_owners(uint32_t *inodes, size_t n, int *pids);
/* A process's name (/proc/PID/comm), "" if gone. */
void listeners_comm(int pid, char *comm, size_t commlen);

#endif
