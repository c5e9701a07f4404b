// SPDX-License-Identifier: MIT
/* The due sites' destinations, hashed: a renumbering of N sites decides in O(N), not O(N^2). */
#include "monitor/sites/duehash.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

static size_t slot(const struct duehash *h, const struct ipaddr *ip, unsigned port)
{
	return (ipaddr_hash(ip) ^ (port * 2654435761u)) & (h->nbucket - 1);
}

/* Twice as many buckets as destinations, rebuilt from the nodes when they outgrow it. */
static int grow_buckets(struct duehash *h)
{
	size_t nb = h->nbucket ? h->nbucket * 2 : 64;
	int *b = malloc(nb * sizeof(*b));

	if (!b)
		return -1;
	free(h->bucket);
	h->bucket = b;
	h->nbucket = nb;
	memset(b, 0xff, nb * sizeof(*b));      /* every bucket -1 */
	for (size_t i = 0; i < h->n; i++) {
		size_t s = slot(h, &h->node[i].ip, h->node[i].port);
		h->node[i].next = b[s];
		b[s] = (int)i;
	}
	return 0;
}

int duehash_add(struct duehash *h, const struct site *owner, const struct ipaddr *ip,
		unsigned port)
{
	size_t s;

	if (GROW(h->node, h->n, h->cap, 64) < 0)
		goto fail;
	if ((h->n + 1) * 2 > h->nbucket && grow_buckets(h) < 0)
		goto fail;
	s = slot(h, ip, port);
	h->node[h->n] = (struct duenode){ .ip = *ip, .port = port, .owner = owner,
					  .next = h->bucket[s] };
	h->bucket[s] = (int)h->n++;
	return 0;
fail:
	h->broken = true;
	return -1;
}

bool duehash_taken(const struct duehash *h, const struct site *self, const struct ipaddr *ip,
		   unsigned port)
{
	if (!h->nbucket)
		return false;
	for (int i = h->bucket[slot(h, ip, port)]; i >= 0; i = h->node[i].next)
		if (h->node[i].owner != self && h->node[i].port == port &&
		    ipaddr_eq(&h->node[i].ip, ip))
			return true;
	return false;
}

void duehash_clear(struct duehash *h)
{
	if (h->nbucket)
		memset(h->bucket, 0xff, h->nbucket * sizeof(*h->bucket));
	h->n = 0;
	h->broken = false;
}

void duehash_free(struct duehash *h)
{
	free(h->bucket);
	free(h->node);
	*h = (struct duehash){ 0 };
}
