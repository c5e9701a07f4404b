/* SPDX-License-Identifier: MIT */
/* Sites indexed by their current address: an event costs O(1) per address, not per site. */
#ifndef CERTBIND_SITEINDEX_H
#define CERTBIND_SITEINDEX_H

#include <stddef.h>

#include "netlink/addrtab.h"
#include "netlink/ipaddr.h"

struct siteinfo;

/* The sites on one address, and a summary the event path can decide on in one look. */
struct sitegroup {
	struct sitegroup *next;          /* hash chain */
	struct ipaddr ip;
	int pin_all;                     /* every site pinned to this ifindex; 0 = not so */
	unsigned long pin_gen;           /* addrtab link generation + 1 it holds for; 0 = stale */
	struct siteinfo **v;
	size_t n, cap;
};

struct siteindex {
	struct sitegroup **bucket;
	size_t nbucket;                  /* power of two */
};

int siteindex_init(struct siteindex *x, size_t nsites);
void siteindex_free(struct siteindex *x);
/* (Re)indexes si under its current address; wildcard sites are not indexed. 0 or -1. */
int siteindex_update(struct siteindex *x, struct siteinfo *si);
void siteindex_remove(struct siteindex *x, struct siteinfo *si);
struct sitegroup *siteindex_find(const struct siteindex *x, const struct ipaddr *a);
/*
 * Can an event on ifindex not concern any site of g, because all of them are pinned to
 * another interface? O(1) once computed; recomputed after a link or membership change.
 */
bool sitegroup_pinned_elsewhere(struct sitegroup *g, const struct addrtab *tab, int ifindex);

/* Iterate over the sites on address a. The index must not change inside the loop. */
#define FOR_SITES_AT(idx, a, si) \
	for (struct sitegroup *g_ = siteindex_find((idx), (a)); g_; g_ = NULL) \
		for (size_t i_ = 0; i_ < g_->n; i_++) \
			for (struct siteinfo *si = g_->v[i_]; si; si = NULL)

/* si is in no group (a new table's index is being built; its old groups are gone). */
void siteindex_detach(struct siteinfo *si);

#endif
