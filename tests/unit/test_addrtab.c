// SPDX-License-Identifier: MIT
/* The address table: changes reported, lifetimes ignored, DAD, resync sweep, growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <linux/if_addr.h>
#include <stdio.h>

#include "netlink/addrtab.h"

static struct addrent ent(const char *ip, int ifindex, uint32_t flags)
{
	struct addrent e = { .ifindex = ifindex, .prefixlen = 24, .flags = flags };

	assert_int_equal(ipaddr_parse(ip, &e.ip), 0);
	return e;
}

static enum addr_change up(struct addrtab *t, const char *ip, int ifindex, uint32_t flags)
{
	struct addrent e = ent(ip, ifindex, flags);
	enum addr_change c;

	assert_int_equal(addrtab_upsert(t, &e, &c), 0);
	return c;
}

static void test_changes(void **state)
{
	struct addrtab *t = addrtab_new();
	struct ipaddr a;
	enum addr_change c;

	assert_int_equal(up(t, "192.0.2.1", 2, 0), AC_APPEARED);
	assert_int_equal(up(t, "192.0.2.1", 2, 0), AC_NONE);        /* lifetime-only */
	assert_int_equal(up(t, "192.0.2.1", 2, IFA_F_DEPRECATED), AC_FLAGS);
	assert_int_equal(up(t, "192.0.2.1", 3, 0), AC_APPEARED);    /* same address, other if */
	assert_int_equal(addrtab_count(t), 2);
	ipaddr_parse("192.0.2.1", &a);
	addrtab_remove(t, &a, 2, &c);
	assert_int_equal(c, AC_GONE);
	assert_non_null(addrtab_find_usable(t, &a, 0));
	assert_null(addrtab_find(t, &a, 2));
	addrtab_remove(t, &a, 2, &c);
	assert_int_equal(c, AC_NONE);
	addrtab_free(t);
}

static void test_dad(void **state)
{
	struct addrtab *t = addrtab_new();
	struct ipaddr a;

	assert_int_equal(up(t, "2001:db8::1", 2, IFA_F_TENTATIVE), AC_TENTATIVE);
	ipaddr_parse("2001:db8::1", &a);
	assert_null(addrtab_find_usable(t, &a, 0));
	assert_non_null(addrtab_find(t, &a, 0));
	assert_int_equal(up(t, "2001:db8::1", 2, 0), AC_APPEARED);  /* DAD done */
	assert_int_equal(up(t, "2001:db8::2", 2, IFA_F_TENTATIVE), AC_TENTATIVE);
	assert_int_equal(up(t, "2001:db8::2", 2, IFA_F_TENTATIVE | IFA_F_DADFAILED), AC_DADFAILED);
	assert_int_equal(up(t, "2001:db8::2", 2, IFA_F_TENTATIVE | IFA_F_DADFAILED), AC_NONE);
	addrtab_free(t);
}

static int gone_count;
static void gone(void *arg, const struct addrent *e, enum addr_change c)
{
	gone_count += c == AC_GONE;
}

static void test_sweep_and_growth(void **state)
{
	struct addrtab *t = addrtab_new();
	char ip[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
		assert_int_equal(up(t, ip, 2, 0), AC_APPEARED);
	}
	assert_int_equal(addrtab_count(t), 5000);
	addrtab_mark_unseen(t);
	for (int i = 0; i < 5000; i += 2) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
		assert_int_equal(up(t, ip, 2, 0), AC_NONE);
	}
	gone_count = 0;
	assert_int_equal(addrtab_sweep(t, gone, NULL), 2500);
	assert_int_equal(gone_count, 2500);
	assert_int_equal(addrtab_count(t), 2500);
	for (size_t i = 0; i < addrtab_count(t); i++) {
		const struct addrent *e = addrtab_at(t, i);
		assert_int_equal(e->ip.u.b[3] % 2, 0);
		assert_ptr_equal(addrtab_find(t, &e->ip, 2), e);
	}
	gone_count = 0;
	assert_int_equal(addrtab_remove_ifindex(t, 2, gone, NULL), 2500);
	assert_int_equal(addrtab_count(t), 0);
	addrtab_free(t);
}

static void test_links(void **state)
{
	struct addrtab *t = addrtab_new();

	addrtab_link_set(t, 2, "eth0", 0);
	addrtab_link_set(t, 7, "a;b$(x)", 0);
	assert_int_equal(addrtab_link_index(t, "eth0"), 2);
	assert_string_equal(addrtab_link_name(t, 7), "a;b$(x)");
	addrtab_link_set(t, 2, "wan0", 0);     /* rename */
	assert_int_equal(addrtab_link_index(t, "eth0"), 0);
	assert_int_equal(addrtab_link_index(t, "wan0"), 2);
	addrtab_link_del(t, 2);
	assert_null(addrtab_link_name(t, 2));
	addrtab_free(t);
}

static void test_prefix_parsing(void **state)
{
	struct ipaddr p, a;
	unsigned plen;

	assert_int_equal(ipaddr_parse_prefix("2001:db8::/32", &p, &plen), 0);
	assert_int_equal(plen, 32);
	ipaddr_parse("2001:db8:1::5", &a);
	assert_true(ipaddr_in_prefix(&a, &p, plen));
	ipaddr_parse("2001:db9::5", &a);
	assert_false(ipaddr_in_prefix(&a, &p, plen));
	assert_int_equal(ipaddr_parse_prefix("192.0.2.128/25", &p, &plen), 0);
	assert_int_equal(ipaddr_parse_prefix("192.0.2.128/24", &p, &plen), -1);
	assert_int_equal(ipaddr_parse_prefix("192.0.2.0/", &p, &plen), -1);
	assert_int_equal(ipaddr_parse_prefix("192.0.2.0/-1", &p, &plen), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes), cmocka_unit_test(test_dad),
		cmocka_unit_test(test_sweep_and_growth), cmocka_unit_test(test_links),
		cmocka_unit_test(test_prefix_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
