// SPDX-License-Identifier: MIT
/* The due sites' destinations by hash: another site's endpoint is taken, one's own is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "monitor/sites/duehash.h"

/* Only their addresses are compared: sites stand in as distinct pointers. */
static const char sites[10000];
#define SITE(i) ((const struct site *)&sites[i])

static struct ipaddr v6(unsigned i)
{
	struct ipaddr a;
	char s[64];

	snprintf(s, sizeof(s), "2001:db8:2::%x", i);
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static void test_taken_by_others(void **state)
{
	struct duehash h = { 0 };
	struct ipaddr a;

	for (unsigned i = 0; i < 10000; i++) {
		a = v6(i);
		assert_int_equal(duehash_add(&h, SITE(i), &a, 443), 0);
	}
	for (unsigned i = 0; i < 10000; i += 7) {
		a = v6(i);
		assert_true(duehash_taken(&h, SITE(i + 1 < 10000 ? i + 1 : 0), &a, 443));
		assert_false(duehash_taken(&h, SITE(i), &a, 443));   /* its own destination */
		assert_false(duehash_taken(&h, SITE(i + 1 < 10000 ? i + 1 : 0), &a, 8443));
	}
	a = v6(10001);
	assert_false(duehash_taken(&h, SITE(0), &a, 443));
	/* Two sites due for one endpoint: taken for each of them. */
	a = v6(5);
	assert_int_equal(duehash_add(&h, SITE(9999), &a, 443), 0);
	assert_true(duehash_taken(&h, SITE(5), &a, 443));
	duehash_clear(&h);
	assert_false(duehash_taken(&h, SITE(9999), &a, 443));
	assert_false(h.broken);
	duehash_free(&h);
	assert_false(duehash_taken(&h, SITE(1), &a, 443));   /* empty, never grown */
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_taken_by_others) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
