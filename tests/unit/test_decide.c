// SPDX-License-Identifier: MIT
/* The decision table and the replacement choice order, on a hand-built address table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "policy/decide.h"

static struct addrtab *tab;

static void add(const char *ip, int ifindex, uint32_t flags, uint8_t scope, uint32_t cstamp)
{
	struct addrent e = { .ifindex = ifindex, .prefixlen = 24, .flags = flags, .scope = scope,
			     .cstamp = cstamp };
	enum addr_change chg;

	assert_int_equal(ipaddr_parse(ip, &e.ip), 0);
	assert_int_equal(addrtab_upsert(tab, &e, &chg), 0);
}

static int setup(void **state)
{
	tab = addrtab_new();
	addrtab_link_set(tab, 2, "eth0", 0);
	addrtab_link_set(tab, 3, "eth1", 0);
	return 0;
}

static int teardown(void **state)
{
	addrtab_free(tab);
	return 0;
}

static struct site mksite(const char *addr, enum on_change oc)
{
	struct site s = { .name = "www", .port = 443, .on_change = oc };

	ipaddr_parse(addr, &s.addr);
	return s;
}

static const struct ipaddr *taken_addr;
static bool taken(void *arg, const struct site *self, const struct ipaddr *a, unsigned port)
{
	return taken_addr && ipaddr_eq(a, taken_addr);
}
static const struct ipaddr *shared_addr;
static bool shared(void *arg, const struct site *self, const struct ipaddr *a)
{
	return shared_addr && ipaddr_eq(a, shared_addr);
}

static struct decide_ctx ctx(int lost_ifindex)
{
	return (struct decide_ctx){ .tab = tab, .lost_ifindex = lost_ifindex,
				    .endpoint_taken = taken, .address_shared = shared };
}

static const char *choice(struct site *s, int lost_ifindex, enum action *act)
{
	static char buf[IPADDR_STRLEN];
	struct decision d;
	struct decide_ctx c = ctx(lost_ifindex);

	*act = decide(s, &s->addr, &c, &d);
	return d.action == ACT_REBIND ? ipaddr_str(&d.to, buf, sizeof(buf)) : "";
}

static void test_bound_does_nothing(void **state)
{
	struct site s = mksite("192.0.2.200", ONC_REBIND);
	enum action a;

	add("192.0.2.200", 2, 0, RT_SCOPE_UNIVERSE, 100);
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_NONE);
}

static void test_policies(void **state)
{
	struct site s = mksite("192.0.2.200", ONC_ALERT);
	enum action a;

	add("192.0.2.201", 2, 0, RT_SCOPE_UNIVERSE, 100);
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_ALERT);
	s.on_change = ONC_IGNORE;
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_LOG);
	s.on_change = ONC_REBIND;
	assert_string_equal(choice(&s, 2, &a), "192.0.2.201");
	assert_int_equal(a, ACT_REBIND);
	s.wildcard = true;
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_NONE);
}

static void test_alert_lists_candidates(void **state)
{
	struct site s = mksite("192.0.2.200", ONC_ALERT);
	struct decision d;
	struct decide_ctx c = ctx(2);
	char buf[IPADDR_STRLEN];

	add("192.0.2.9", 2, 0, RT_SCOPE_UNIVERSE, 10);
	add("192.0.2.8", 2, 0, RT_SCOPE_UNIVERSE, 20);
	decide(&s, &s.addr, &c, &d);
	assert_int_equal(d.ncands, 2);
	assert_string_equal(ipaddr_str(&d.cands[0], buf, sizeof(buf)), "192.0.2.8");
}

static void test_no_candidate(void **state)
{
	struct site s = mksite("192.0.2.200", ONC_REBIND);
	enum action a;

	add("198.51.100.1", 3, 0, RT_SCOPE_UNIVERSE, 100);   /* other interface */
	add("2001:db8::1", 2, 0, RT_SCOPE_UNIVERSE, 100);    /* other family */
	add("192.0.2.6", 2, IFA_F_DADFAILED, 0, 200);        /* never chosen */
	add("192.0.2.5", 2, IFA_F_DEPRECATED, 0, 200);       /* never chosen */
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_NO_CANDIDATE);
}

static void test_follow_rules(void **state)
{
	struct site s = mksite("192.0.2.200", ONC_REBIND);
	enum action a;

	add("192.0.2.50", 2, 0, RT_SCOPE_UNIVERSE, 100);
	add("198.51.100.50", 3, 0, RT_SCOPE_UNIVERSE, 100);
	add("2001:db8::50", 3, 0, RT_SCOPE_UNIVERSE, 300);
	/* default: the lost address's interface and family */
	assert_string_equal(choice(&s, 2, &a), "192.0.2.50");
	s.follow.interface = "eth1";
	assert_string_equal(choice(&s, 2, &a), "198.51.100.50");
	s.follow.family = AF_INET6;
	assert_string_equal(choice(&s, 2, &a), "2001:db8::50");
	s.follow.family = 0;
	s.follow.interface = NULL;
	s.follow.has_prefix = true;
	ipaddr_parse_prefix("198.51.100.0/24", &s.follow.prefix, &s.follow.plen);
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_NO_CANDIDATE);     /* on eth0 nothing is in that prefix */
	s.follow.interface = "eth1";
	assert_string_equal(choice(&s, 2, &a), "198.51.100.50");
}

static void test_choice_order(void **state)
{
	struct site s = mksite("192.0.2.200", ONC_REBIND);
	struct ipaddr x;
	enum action a;

	add("192.0.2.30", 2, 0, RT_SCOPE_UNIVERSE, 100);
	add("192.0.2.20", 2, 0, RT_SCOPE_UNIVERSE, 100);
	/* same age: the lowest address */
	assert_string_equal(choice(&s, 2, &a), "192.0.2.20");
	/* the newest first */
	add("192.0.2.40", 2, 0, RT_SCOPE_UNIVERSE, 500);
	assert_string_equal(choice(&s, 2, &a), "192.0.2.40");
	/* global scope before narrower, even if newer */
	add("192.0.2.41", 2, 0, RT_SCOPE_LINK, 900);
	assert_string_equal(choice(&s, 2, &a), "192.0.2.40");
	/* backing another site goes after one that does not */
	ipaddr_parse("192.0.2.40", &x);
	shared_addr = &x;
	assert_string_equal(choice(&s, 2, &a), "192.0.2.20");
	shared_addr = NULL;
	/* deprecated: never, even if newest and alone */
	add("192.0.2.40", 2, IFA_F_DEPRECATED, RT_SCOPE_UNIVERSE, 500);
	assert_string_equal(choice(&s, 2, &a), "192.0.2.20");
	/* an ADDRESS:PORT another site holds is never chosen */
	ipaddr_parse("192.0.2.20", &x);
	taken_addr = &x;
	assert_string_equal(choice(&s, 2, &a), "192.0.2.30");
	taken_addr = NULL;
}

static void test_site_interface(void **state)
{
	struct site s = mksite("192.0.2.200", ONC_REBIND);
	enum action a;

	s.interface = "eth1";
	add("192.0.2.200", 2, 0, RT_SCOPE_UNIVERSE, 100);   /* present, but on eth0 */
	add("192.0.2.77", 3, 0, RT_SCOPE_UNIVERSE, 100);
	assert_string_equal(choice(&s, 2, &a), "192.0.2.77");
	s.interface = "eth0";
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_NONE);
}

static void test_deprecated_never(void **state)
{
	struct site s = mksite("2001:db8::200", ONC_REBIND);
	enum action a;

	add("2001:db8::9", 2, IFA_F_DEPRECATED, RT_SCOPE_UNIVERSE, 900);
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_NO_CANDIDATE);
}

static void test_wait_for_dad(void **state)
{
	struct site s = mksite("2001:db8::200", ONC_REBIND);
	enum action a;

	add("2001:db8::201", 2, IFA_F_TENTATIVE, RT_SCOPE_UNIVERSE, 900);
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_WAIT);         /* not an alert while DAD runs */
	add("2001:db8::201", 2, IFA_F_TENTATIVE | IFA_F_DADFAILED, RT_SCOPE_UNIVERSE, 900);
	choice(&s, 2, &a);
	assert_int_equal(a, ACT_NO_CANDIDATE); /* failed DAD: never chosen, nothing to wait for */
	add("2001:db8::202", 2, 0, RT_SCOPE_UNIVERSE, 100);
	assert_string_equal(choice(&s, 2, &a), "2001:db8::202");
}

/* host_part = "same": 192.0.2.17/24 -> 198.51.100.17/24, whatever else is newer. */
static void test_same_host_part_v4(void **state)
{
	struct site s = mksite("192.0.2.17", ONC_REBIND);
	struct decide_ctx c = ctx(2);
	struct decision d;
	char buf[IPADDR_STRLEN];

	s.follow.same_host = true;
	add("198.51.100.17", 2, 0, RT_SCOPE_UNIVERSE, 100);
	add("198.51.100.18", 2, 0, RT_SCOPE_UNIVERSE, 900);   /* newer, other host part */
	c.lost_plen = 24;
	assert_int_equal(decide(&s, &s.addr, &c, &d), ACT_REBIND);
	assert_string_equal(ipaddr_str(&d.to, buf, sizeof(buf)), "198.51.100.17");
	assert_int_equal(d.ncands, 1);
	/* Without it, the newest wins. */
	s.follow.same_host = false;
	decide(&s, &s.addr, &c, &d);
	assert_string_equal(ipaddr_str(&d.to, buf, sizeof(buf)), "198.51.100.18");
	/* A /16 host part: .17 in 192.0.2.17/16 is 2.17, which 198.51.100.17 is not. */
	s.follow.same_host = true;
	c.lost_plen = 16;
	assert_int_equal(decide(&s, &s.addr, &c, &d), ACT_NO_CANDIDATE);
	/* Prefix length unknown (never seen): taken from follow.prefix, else /24. */
	c.lost_plen = 0;
	assert_int_equal(decide(&s, &s.addr, &c, &d), ACT_REBIND);
	assert_string_equal(ipaddr_str(&d.to, buf, sizeof(buf)), "198.51.100.17");
}

/* IPv6 prefix renumbering with stable interface identifiers. */
static void test_same_host_part_v6(void **state)
{
	struct site s = mksite("2001:db8:1::10", ONC_REBIND);
	struct decide_ctx c = ctx(2);
	struct decision d;
	char buf[IPADDR_STRLEN];

	s.follow.same_host = true;
	add("2001:db8:2::11", 2, 0, RT_SCOPE_UNIVERSE, 900);
	add("2001:db8:2::10", 2, 0, RT_SCOPE_UNIVERSE, 100);
	c.lost_plen = 64;
	assert_int_equal(decide(&s, &s.addr, &c, &d), ACT_REBIND);
	assert_string_equal(ipaddr_str(&d.to, buf, sizeof(buf)), "2001:db8:2::10");
	/* The counterpart taken by another site: no candidate, never another's. */
	struct ipaddr t = d.to;
	taken_addr = &t;
	assert_int_equal(decide(&s, &s.addr, &c, &d), ACT_NO_CANDIDATE);
	taken_addr = NULL;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bound_does_nothing), T(test_policies), T(test_alert_lists_candidates),
		T(test_no_candidate), T(test_follow_rules), T(test_choice_order),
		T(test_site_interface), T(test_deprecated_never), T(test_wait_for_dad),
		T(test_same_host_part_v4), T(test_same_host_part_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
