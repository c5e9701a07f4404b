/* SPDX-License-Identifier: MIT */
/* The due sites' destinations, hashed: "is this endpoint already taken?" in O(1), not O(due). */
#ifndef CERTBIND_DUEHASH_H
#define CERTBIND_DUEHASH_H

#include <stdbool.h>
#include <stddef.h>

#include "netlink/ipaddr.h"

struct site;

struct duehash {
	int *bucket;                 /* index into node, -1 = empty; nbucket a power of two */
	size_t nbucket;
	struct duenode {
		struct ipaddr ip;
		unsigned port;
		const struct site *owner;
		int next;
	} *node;
	size_t n, cap;
	bool broken;                 /* an add failed: ask the due list itself until cleared */
};

/* Records owner's destination ip:port. 0, or -1 (no memory: the caller falls back). */
int duehash_add(struct duehash *h, const struct site *owner, const struct ipaddr *ip,
		unsigned port);
/* Does a site other than self hold ip:port? */
bool duehash_taken(const struct duehash *h, const struct site *self, const struct ipaddr *ip,
		   unsigned port);
/* Forgets every destination (the due list was taken whole), keeping the memory. */
void duehash_clear(struct duehash *h);
void duehash_free(struct duehash *h);

#endif
