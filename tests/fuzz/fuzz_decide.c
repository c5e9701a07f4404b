// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the address-event -> decision path. The input is a sequence of address
 * events (add/change/remove, any flags, scope, stamp, interface) applied to the table; after
 * each, the decision for a few sites must hold its invariants: a chosen replacement is
 * present, usable, not deprecated, matches follow, is not the lost address.
 */
#include <linux/if_addr.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/decide.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct addrtab *t, const struct site *s)
{
	struct decide_ctx ctx = { .tab = t, .lost_ifindex = 2 };
	struct decision d;
	const struct addrent *e;

	decide(s, &s->addr, &ctx, &d);
	if (d.action != ACT_REBIND)
		return;
	e = addrtab_find_usable(t, &d.to, d.to_ifindex);
	if (!e || (e->flags & IFA_F_DEPRECATED) || ipaddr_eq(&d.to, &s->addr) ||
	    !decide_follows(s, &s->addr, &ctx, e) || d.ncands < 1 || !ipaddr_eq(&d.cands[0], &d.to))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addrtab *t = addrtab_new();
	struct site sites[3] = {
		{ .name = "a", .port = 443, .on_change = ONC_REBIND },
		{ .name = "b", .port = 443, .on_change = ONC_REBIND, .interface = "if3" },
		{ .name = "c", .port = 443, .on_change = ONC_ALERT },
	};

	ipaddr_parse("192.0.2.1", &sites[0].addr);
	ipaddr_parse("2001:db8::1", &sites[1].addr);
	ipaddr_parse("192.0.2.2", &sites[2].addr);
	sites[0].follow.has_prefix = true;
	ipaddr_parse_prefix("192.0.2.0/28", &sites[0].follow.prefix, &sites[0].follow.plen);
	addrtab_link_set(t, 2, "if2", 0);
	addrtab_link_set(t, 3, "if3", 0);
	/* Each event: op, ifindex, flags, scope, stamp, family, 4 address bytes (10 bytes). */
	while (size >= 10) {
		struct addrent e = { 0 };
		enum addr_change chg;

		e.ifindex = 1 + data[1] % 4;
		/* bit 0 tentative, bit 1 DAD failed (as the kernel sets it: with tentative),
		 * bit 2 deprecated, bit 3 permanent */
		e.flags = (data[2] & 1 ? IFA_F_TENTATIVE : 0) |
			  (data[2] & 2 ? IFA_F_TENTATIVE | IFA_F_DADFAILED : 0) |
			  (data[2] & 4 ? IFA_F_DEPRECATED : 0) | (data[2] & 8 ? IFA_F_PERMANENT : 0);
		e.scope = data[3] % 2 ? 0 : 253;
		e.cstamp = data[4];
		e.ip.family = data[5] % 2 ? AF_INET6 : AF_INET;
		if (e.ip.family == AF_INET) {
			e.ip.u.b[0] = 192; e.ip.u.b[1] = 0; e.ip.u.b[2] = 2;
			e.ip.u.b[3] = data[6] % 32;
		} else {
			e.ip.u.b[0] = 0x20; e.ip.u.b[1] = 0x01; e.ip.u.b[2] = 0x0d; e.ip.u.b[3] = 0xb8;
			e.ip.u.b[15] = data[6] % 32;
		}
		if (data[0] % 3 == 2)
			addrtab_remove(t, &e.ip, e.ifindex, &chg);
		else if (addrtab_upsert(t, &e, &chg) < 0)
			break;
		if (data[0] % 7 == 6)
			addrtab_link_set(t, 3, data[7] % 2 ? "if3" : "renamed", 0);
		for (size_t i = 0; i < 3; i++)
			check(t, &sites[i]);
		data += 10;
		size -= 10;
	}
	addrtab_free(t);
	return 0;
}
