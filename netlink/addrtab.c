// SPDX-License-Identifier: MIT
/* Address table: hash by address for O(1) lookup, dense array for iteration. */
#include "netlink/addrtab.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util/grow.h"

struct link {
	int ifindex;
	unsigned flags;
	char name[IF_NAMESIZE];
};

struct addrtab {
	struct addrent **buckets;
	size_t nbuckets;          /* power of two */
	struct addrent **all;     /* dense; all[e->idx] == e */
	size_t n, cap;
	struct link *links;
	size_t nlinks, linkcap;
	/* The last name looked up: sites name the same interface over and over. */
	char cache_name[IF_NAMESIZE];
	int cache_index;
	unsigned long link_gen;
};

struct addrtab *addrtab_new(void)
{
	struct addrtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nbuckets = 64;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	return t;
}

void addrtab_free(struct addrtab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->all[i]);
	free(t->all);
	free(t->buckets);
	free(t->links);
	free(t);
}

bool addrent_usable(const struct addrent *e)
{
	return e && !(e->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

static struct addrent **bucket(const struct addrtab *t, const struct ipaddr *ip)
{
	return &t->buckets[ipaddr_hash(ip) & (t->nbuckets - 1)];
}

static int grow(struct addrtab *t)
{
	if (GROW(t->all, t->n, t->cap, 64) < 0)
		return -1;
	if (t->n >= t->nbuckets) {
		size_t nb = t->nbuckets * 2;
		struct addrent **b = calloc(nb, sizeof(*b));
		if (!b)
			return -1;
		free(t->buckets);
		t->buckets = b;
		t->nbuckets = nb;
		for (size_t i = 0; i < t->n; i++) {
			struct addrent **head = bucket(t, &t->all[i]->ip);
			t->all[i]->hnext = *head;
			*head = t->all[i];
		}
	}
	return 0;
}

static struct addrent *lookup(const struct addrtab *t, const struct ipaddr *ip, int ifindex)
{
	for (struct addrent *e = *bucket(t, ip); e; e = e->hnext)
		if ((!ifindex || e->ifindex == ifindex) && ipaddr_eq(&e->ip, ip))
			return e;
	return NULL;
}

const struct addrent *addrtab_find(const struct addrtab *t, const struct ipaddr *ip, int ifindex)
{
	return lookup(t, ip, ifindex);
}

const struct addrent *addrtab_find_usable(const struct addrtab *t, const struct ipaddr *ip,
					  int ifindex)
{
	for (struct addrent *e = *bucket(t, ip); e; e = e->hnext)
		if ((!ifindex || e->ifindex == ifindex) && ipaddr_eq(&e->ip, ip) &&
		    addrent_usable(e))
			return e;
	return NULL;
}

static enum addr_change classify(const struct addrent *old, const struct addrent *new)
{
	bool was = old && addrent_usable(old), is = addrent_usable(new);

	if (new->flags & IFA_F_DADFAILED)
		return (!old || !(old->flags & IFA_F_DADFAILED)) ? AC_DADFAILED
			: was ? AC_GONE : AC_NONE;
	if (was && !is)
		return AC_GONE;
	if (!was && is)
		return AC_APPEARED;
	if (!old && !is)
		return AC_TENTATIVE;
	/* Lifetime-only updates (DHCP renewals, RAs) change nothing we keep. */
	if (was && is && (old->flags & IFA_F_DEPRECATED) != (new->flags & IFA_F_DEPRECATED))
		return AC_FLAGS;
	return AC_NONE;
}

int addrtab_upsert(struct addrtab *t, const struct addrent *in, enum addr_change *chg)
{
	struct addrent *e = lookup(t, &in->ip, in->ifindex);

	if (e) {
		enum addr_change c = classify(e, in);
		e->prefixlen = in->prefixlen;
		e->scope = in->scope;
		e->flags = in->flags;
		if (in->cstamp)
			e->cstamp = in->cstamp;
		e->seen = true;
		*chg = c;
		return 0;
	}
	if (grow(t) < 0) {
		*chg = AC_NONE;
		return -1;
	}
	e = malloc(sizeof(*e));
	if (!e) {
		*chg = AC_NONE;
		return -1;
	}
	*e = *in;
	e->seen = true;
	struct addrent **head = bucket(t, &e->ip);
	e->hnext = *head;
	*head = e;
	e->idx = t->n;
	t->all[t->n++] = e;
	*chg = classify(NULL, e);
	return 0;
}

static void unlink_entry(struct addrtab *t, struct addrent *e)
{
	struct addrent **pp = bucket(t, &e->ip);

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	t->all[e->idx] = t->all[--t->n];
	t->all[e->idx]->idx = e->idx;
}

void addrtab_remove(struct addrtab *t, const struct ipaddr *ip, int ifindex, enum addr_change *chg)
{
	struct addrent *e = lookup(t, ip, ifindex);

	*chg = AC_NONE;
	if (!e)
		return;
	if (addrent_usable(e))
		*chg = AC_GONE;
	unlink_entry(t, e);
	free(e);
}

size_t addrtab_count(const struct addrtab *t)
{
	return t->n;
}

const struct addrent *addrtab_at(const struct addrtab *t, size_t i)
{
	return i < t->n ? t->all[i] : NULL;
}

void addrtab_mark_unseen(struct addrtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->all[i]->seen = false;
}

static size_t sweep_if(struct addrtab *t, bool (*match)(const struct addrent *, int), int arg,
		       addrtab_gone_cb cb, void *cbarg)
{
	size_t removed = 0;

	for (size_t i = 0; i < t->n;) {
		struct addrent *e = t->all[i];
		if (!match(e, arg)) {
			i++;
			continue;
		}
		/* unlink_entry moves the last entry into slot i: do not advance. */
		unlink_entry(t, e);
		cb(cbarg, e, addrent_usable(e) ? AC_GONE : AC_NONE);
		free(e);
		removed++;
	}
	return removed;
}

static bool is_unseen(const struct addrent *e, int unused)
{
	return !e->seen;
}

static bool on_ifindex(const struct addrent *e, int ifindex)
{
	return e->ifindex == ifindex;
}

size_t addrtab_sweep(struct addrtab *t, addrtab_gone_cb cb, void *arg)
{
	return sweep_if(t, is_unseen, 0, cb, arg);
}

size_t addrtab_remove_ifindex(struct addrtab *t, int ifindex, addrtab_gone_cb cb, void *arg)
{
	return sweep_if(t, on_ifindex, ifindex, cb, arg);
}

static struct link *link_find(const struct addrtab *t, int ifindex)
{
	for (size_t i = 0; i < t->nlinks; i++)
		if (t->links[i].ifindex == ifindex)
			return &t->links[i];
	return NULL;
}

int addrtab_link_set(struct addrtab *t, int ifindex, const char *name, unsigned flags)
{
	struct link *l = link_find(t, ifindex);

	t->cache_name[0] = '\0';

	if (!l) {
		if (GROW(t->links, t->nlinks, t->linkcap, 16) < 0)
			return -1;
		l = &t->links[t->nlinks++];
		l->ifindex = ifindex;
	}
	l->flags = flags;
	snprintf(l->name, sizeof(l->name), "%s", name ? name : "");
	return 0;
}

void addrtab_link_del(struct addrtab *t, int ifindex)
{
	struct link *l = link_find(t, ifindex);

	t->cache_name[0] = '\0';
	t->link_gen++;
	if (l)
		*l = t->links[--t->nlinks];
}

unsigned long addrtab_link_gen(const struct addrtab *t)
{
	return t->link_gen;
}

const char *addrtab_link_name(const struct addrtab *t, int ifindex)
{
	struct link *l = link_find(t, ifindex);

	return l ? l->name : NULL;
}

int addrtab_link_index(const struct addrtab *t, const char *name)
{
	struct addrtab *mt = (struct addrtab *)t;   /* the cache is not part of the value */

	if (t->cache_name[0] && !strcmp(t->cache_name, name))
		return t->cache_index;
	for (size_t i = 0; i < t->nlinks; i++)
		if (!strcmp(t->links[i].name, name)) {
			snprintf(mt->cache_name, sizeof(mt->cache_name), "%s", name);
			mt->cache_index = t->links[i].ifindex;
			return t->links[i].ifindex;
		}
	return 0;
}
