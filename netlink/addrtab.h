/* SPDX-License-Identifier: MIT */
/* The table of the host's addresses and links, as the kernel reported them. */
#ifndef CERTBIND_ADDRTAB_H
#define CERTBIND_ADDRTAB_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "netlink/ipaddr.h"

/* One address on one interface (the same address may sit on several). */
struct addrent {
	struct ipaddr ip;
	int ifindex;
	uint8_t prefixlen;
	uint8_t scope;          /* RT_SCOPE_*: lower is wider (0 = global) */
	uint32_t flags;         /* IFA_F_* */
	uint32_t cstamp;        /* kernel creation stamp (1/100 s since boot) */
	/* table bookkeeping */
	struct addrent *hnext;
	size_t idx;
	bool seen;
};

/* What an update did to an address's usability. */
enum addr_change {
	AC_NONE,        /* nothing that matters (e.g. lifetimes only) */
	AC_APPEARED,    /* now present and usable; was not */
	AC_GONE,        /* was present and usable; now absent or unusable */
	AC_DADFAILED,   /* duplicate address detection failed */
	AC_FLAGS,       /* still usable, flags changed (e.g. deprecated) */
	AC_TENTATIVE,   /* appeared, but still tentative (not usable yet) */
};

struct addrtab;

struct addrtab *addrtab_new(void);
void addrtab_free(struct addrtab *t);

/* Present and usable: not tentative (DAD running), not dadfailed. */
bool addrent_usable(const struct addrent *e);

/* Inserts or updates an address; *chg says what changed. Returns 0 or -1 (ENOMEM). */
int addrtab_upsert(struct addrtab *t, const struct addrent *in, enum addr_change *chg);
/* Removes an address from one interface; *chg is AC_GONE if it was usable. */
void addrtab_remove(struct addrtab *t, const struct ipaddr *ip, int ifindex,
		    enum addr_change *chg);

/* First entry for ip (on ifindex, or any when 0), usable or not; NULL if absent. */
const struct addrent *addrtab_find(const struct addrtab *t, const struct ipaddr *ip, int ifindex);
/* The first usable entry for ip (on ifindex, or any when 0). */
const struct addrent *addrtab_find_usable(const struct addrtab *t, const struct ipaddr *ip,
					  int ifindex);

size_t addrtab_count(const struct addrtab *t);
const struct addrent *addrtab_at(const struct addrtab *t, size_t i);

/* Resync support: mark everything unseen; upserts mark seen; sweep removes the rest. */
void addrtab_mark_unseen(struct addrtab *t);
typedef void (*addrtab_gone_cb)(void *arg, const struct addrent *e, enum addr_change chg);
/* Removes the entries not seen since addrtab_mark_unseen, reporting each through cb. */
size_t addrtab_sweep(struct addrtab *t, addrtab_gone_cb cb, void *arg);
size_t addrtab_remove_ifindex(struct addrtab *t, int ifindex, addrtab_gone_cb cb, void *arg);

/* Links: interface index <-> name. */
int addrtab_link_set(struct addrtab *t, int ifindex, const char *name, unsigned flags);
void addrtab_link_del(struct addrtab *t, int ifindex);
const char *addrtab_link_name(const struct addrtab *t, int ifindex);
int addrtab_link_index(const struct addrtab *t, const char *name);
/* Changes whenever a link appears, is renamed or goes: cached name lookups are stale then. */
unsigned long addrtab_link_gen(const struct addrtab *t);

#endif
