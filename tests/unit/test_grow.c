// SPDX-License-Identifier: MIT
/* The one growing-array helper: doubling from a first capacity, and a refusal that loses nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "util/grow.h"

static void test_doubles_and_keeps(void **state)
{
	int *v = NULL;
	size_t n = 0, cap = 0;

	for (int i = 0; i < 1000; i++) {
		assert_int_equal(GROW(v, n, cap, 4), 0);
		assert_true(cap > n);
		v[n++] = i;
	}
	/* 4, 8, ... 1024: doubling, never one at a time */
	assert_int_equal(cap, 1024);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	/* Room already there: nothing changes. */
	int *before = v;
	assert_int_equal(GROW(v, 10, cap, 4), 0);
	assert_ptr_equal(v, before);
	free(v);
}

static void test_overflow_refused(void **state)
{
	char *v = malloc(1);
	size_t cap = SIZE_MAX / 2 + 1;   /* doubling would wrap */

	assert_non_null(v);
	assert_int_equal(grow_room((void **)&v, cap, &cap, 1, 4), -1);
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
	size_t c2 = SIZE_MAX / 16;       /* fits as a count, not in bytes of 64 */
	assert_int_equal(grow_room((void **)&v, c2, &c2, 64, 4), -1);
	assert_int_equal(c2, SIZE_MAX / 16);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles_and_keeps),
		cmocka_unit_test(test_overflow_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
