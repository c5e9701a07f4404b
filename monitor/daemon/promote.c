// SPDX-License-Identifier: MIT
/* promote_secondaries: said at start where it is off on an interface an IPv4 site follows. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "monitor/core/log.h"
#include "monitor/daemon/daemon.h"
#include "monitor/sites/siteview.h"

/* 1 on, 0 off, -1 unknown (no such interface, no /proc). */
static int conf_value(const char *ifname)
{
	char path[96];
	int c;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/promote_secondaries", ifname);
	if (!(f = fopen(path, "re")))
		return -1;
	c = fgetc(f);
	fclose(f);
	return c == '1' ? 1 : c == '0' ? 0 : -1;
}

/* The kernel promotes when the interface's setting or "all" says so. */
static int promote_on(const char *ifname)
{
	int own = conf_value(ifname), all = conf_value("all");

	return own < 0 ? -1 : own || all == 1;
}

/* The interface whose addresses the site moves between: its follow rule's, its own, or that
 * of its current address. */
static const char *followed(const struct daemon *d, const struct siteview *v, char *buf)
{
	const struct site *s = v->cfg;
	const struct addrent *e;

	if (s->follow.interface)
		return s->follow.interface;
	if (s->interface)
		return s->interface;
	e = addrtab_find(d->tab, v->addr, 0);
	return e && if_indextoname((unsigned)e->ifindex, buf) ? buf : NULL;
}

void promote_check(struct daemon *d)
{
	char seen[16][IF_NAMESIZE] = { { 0 } }, buf[IF_NAMESIZE];
	size_t nseen = 0;

	for (size_t i = 0; i < d->sites.n && nseen < 16; i++) {
		const char *ifname;
		struct siteview v;
		bool dup = false;
		siteview_get(&d->sites.v[i], &v);
		if (!v.addr || v.cfg->on_change != ONC_REBIND || v.addr->family != AF_INET ||
		    !(ifname = followed(d, &v, buf)))
			continue;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = !strcmp(seen[k], ifname);
		if (dup)
			continue;
		snprintf(seen[nseen++], IF_NAMESIZE, "%s", ifname);
		if (promote_on(ifname) != 0)
			continue;
		struct ev e;
		char hint[160];
		ev_begin(&e, "promote-secondaries-off");
		ev_add(&e, "interface", ifname);
		ev_add(&e, "site", v.cfg->name);
		ev_add(&e, "reason", "deleting an IPv4 primary address here deletes its secondaries: a "
		       "same-subnet renumbering by hand (ip addr add .201/24; ip addr del .200/24) "
		       "loses both addresses");
		snprintf(hint, sizeof(hint), "sysctl -w net.ipv4.conf.%s.promote_secondaries=1, and "
			 "the same in /etc/sysctl.d/", ifname);
		ev_add(&e, "hint", hint);
		ev_emit(&e, LOG_WARNING);
	}
}
