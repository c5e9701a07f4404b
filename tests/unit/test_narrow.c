// SPDX-License-Identifier: MIT
/* The batch narrowing planner, run against a fake server that fails any group with a culprit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/sites/narrow.h"

#define MAXN 1024

/* Stable elements for the planner: site i is &ids[i]. */
static int ids[MAXN];

/* The fake server: site i is bad when bad[i]; a group of two or more with a bad site fails
 * as a whole (nginx keeps its old configuration); a group of one is judged alone. names: the
 * server's words name the bad site (as nginx -t does for a certificate). */
struct world {
	bool bad[MAXN], proven[MAXN], failed[MAXN];
	bool names;
	unsigned rounds;      /* rounds after the first */
};

static void round_of(struct world *w, struct narrow *nw, int *sites, size_t n, bool first)
{
	void *again[MAXN];
	size_t nagain = 0, named = 0, nbad = 0;

	for (size_t i = 0; i < n; i++)
		nbad += w->bad[sites[i]];
	if (!first)
		w->rounds++;
	if (n >= 2 && nbad) {
		for (size_t i = 0; i < n; i++) {
			if (w->names && w->bad[sites[i]]) {
				w->failed[sites[i]] = true;
				named++;
			} else {
				again[nagain++] = &ids[sites[i]];
			}
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			if (w->bad[sites[i]])
				w->failed[sites[i]] = true;
			else
				w->proven[sites[i]] = true;
		}
	}
	/* The first round's whole failure starts the narrowing; a clean first round ends it. */
	if (first && !nagain && !named)
		return;
	assert_int_equal(narrow_next(nw, again, nagain, named, !nbad), 0);
	if (nw->convicted) {
		/* Shown to fail the others: it must really be bad. */
		assert_true(w->bad[*(int *)nw->convicted]);
		w->failed[*(int *)nw->convicted] = true;
	}
}

/* Runs the batch 0..n-1 until the planner is done; every site ends proven or failed. */
static void run(struct world *w, size_t n)
{
	struct narrow nw = { 0 };
	int *batch = malloc(n * sizeof(*batch));

	for (size_t i = 0; i < n; i++)
		batch[i] = ids[i] = (int)i;
	round_of(w, &nw, batch, n, true);
	while (nw.ntrial) {
		size_t nt = nw.ntrial;
		for (size_t i = 0; i < nt; i++)
			batch[i] = *(int *)nw.trial[i];
		round_of(w, &nw, batch, nt, false);
		assert_true(w->rounds <= 4 * n);
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(w->proven[i] != w->failed[i]);
		assert_int_equal(w->failed[i], w->bad[i]);
	}
	narrow_free(&nw);
	free(batch);
}

/* One culprit, anywhere among n: at most ceil(log2 n) + 1 rounds after the first failure. */
static void test_one_culprit_bound(void **state)
{
	static const size_t sizes[] = { 2, 3, 5, 8, 13, 40, 100, 257 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		unsigned bound = 1;
		for (size_t p = 1; p < n; p *= 2)
			bound++;
		for (size_t c = 0; c < n; c++) {
			struct world w = { 0 };
			w.bad[c] = true;
			run(&w, n);
			if (w.rounds > bound)
				fail_msg("n=%zu culprit=%zu: %u rounds, bound %u", n, c, w.rounds, bound);
		}
	}
}

/* The server's words name the culprit: one more round, whatever n. */
static void test_named_culprit_one_round(void **state)
{
	struct world w = { .names = true };

	w.bad[19] = true;
	run(&w, 40);
	assert_int_equal(w.rounds, 1);
	struct world w2 = { .names = true };
	w2.bad[3] = w2.bad[30] = true;
	run(&w2, 40);
	assert_int_equal(w2.rounds, 1);
}

/* Several culprits, no words: all found, every good site proven, far fewer rounds than sites. */
static void test_several_culprits(void **state)
{
	struct world w = { 0 };

	w.bad[0] = w.bad[17] = w.bad[39] = true;
	run(&w, 40);
	assert_true(w.rounds < 3 * 7);
	struct world all = { 0 };
	for (int i = 0; i < 6; i++)
		all.bad[i] = true;
	run(&all, 6);
}

/* Nothing failed as a whole: the planner is never involved. */
static void test_clean_batch(void **state)
{
	struct world w = { 0 };

	run(&w, 10);
	assert_int_equal(w.rounds, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_culprit_bound),
		cmocka_unit_test(test_named_culprit_one_round),
		cmocka_unit_test(test_several_culprits),
		cmocka_unit_test(test_clean_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
