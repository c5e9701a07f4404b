// SPDX-License-Identifier: MIT
/* The address -> sites index (hash of address groups, each a small array of sites). */
#include "monitor/sites/siteindex.h"

#include <stdlib.h>

#include "monitor/sites/siteinfo.h"
#include "util/grow.h"

int siteindex_init(struct siteindex *x, size_t nsites)
{
	size_t n = 16;

	siteindex_free(x);
	while (n < nsites * 2)
		n *= 2;
	x->bucket = calloc(n, sizeof(*x->bucket));
	if (!x->bucket)
		return -1;
	x->nbucket = n;
	return 0;
}

void siteindex_free(struct siteindex *x)
{
	for (size_t i = 0; x->bucket && i < x->nbucket; i++)
		for (struct sitegroup *g = x->bucket[i], *next; g; g = next) {
			next = g->next;
			free(g->v);
			free(g);
		}
	free(x->bucket);
	x->bucket = NULL;
	x->nbucket = 0;
}

static struct sitegroup **slot(const struct siteindex *x, const struct ipaddr *a)
{
	return &x->bucket[ipaddr_hash(a) & (x->nbucket - 1)];
}

struct sitegroup *siteindex_find(const struct siteindex *x, const struct ipaddr *a)
{
	if (!x->bucket)
		return NULL;
	for (struct sitegroup *g = *slot(x, a); g; g = g->next)
		if (ipaddr_eq(&g->ip, a))
			return g;
	return NULL;
}

void siteindex_remove(struct siteindex *x, struct siteinfo *si)
{
	struct sitegroup *g = si->group, **pp;

	if (!g)
		return;
	g->v[si->gidx] = g->v[--g->n];
	g->v[si->gidx]->gidx = si->gidx;
	g->pin_gen = 0;
	si->group = NULL;
	if (g->n)
		return;
	for (pp = slot(x, &g->ip); *pp != g; pp = &(*pp)->next)
		;
	*pp = g->next;
	free(g->v);
	free(g);
}

int siteindex_update(struct siteindex *x, struct siteinfo *si)
{
	struct sitegroup *g;

	siteindex_remove(x, si);
	if (si->cfg->wildcard || !x->bucket)
		return 0;
	g = siteindex_find(x, &si->fsm.cur);
	if (!g) {
		struct sitegroup **head = slot(x, &si->fsm.cur);
		g = calloc(1, sizeof(*g));
		if (!g)
			return -1;
		g->ip = si->fsm.cur;
		g->next = *head;
		*head = g;
	}
	if (GROW(g->v, g->n, g->cap, 4) < 0)
		return -1;
	si->gidx = g->n;
	g->v[g->n++] = si;
	si->group = g;
	g->pin_gen = 0;
	return 0;
}

bool sitegroup_pinned_elsewhere(struct sitegroup *g, const struct addrtab *tab, int ifindex)
{
	unsigned long gen = addrtab_link_gen(tab) + 1;

	if (g->pin_gen != gen) {
		int all = -1;
		for (size_t i = 0; i < g->n && all != 0; i++) {
			int idx = g->v[i]->cfg->interface
				? addrtab_link_index(tab, g->v[i]->cfg->interface) : 0;
			all = (!idx || (all != -1 && all != idx)) ? 0 : idx;
		}
		g->pin_all = all > 0 ? all : 0;
		g->pin_gen = gen;
	}
	return g->pin_all && g->pin_all != ifindex;
}

void siteindex_detach(struct siteinfo *si)
{
	si->group = NULL;
	si->gidx = 0;
}
