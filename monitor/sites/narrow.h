/* SPDX-License-Identifier: MIT */
/* Narrowing a batch that failed as a whole down to its culprits, in few rounds (pure). */
#ifndef CERTBIND_NARROW_H
#define CERTBIND_NARROW_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A server's batch failed as a whole (its check, reload or proofs) and the server's words
 * did not name every culprit. The sites are tried again in groups, as in adaptive group
 * testing: a group that fails as a whole is split in halves, the first half tried and the
 * second set aside; a group that passes tells that its set-aside sibling holds a culprit, so
 * that sibling is split at once, and a sibling of one is convicted without a round of its
 * own. A group of one that is tried is judged alone, as any single site is.
 * Set-aside groups not known to hold a culprit are tried together at the end. With one
 * culprit among n sites this takes at most ceil(log2 n) + 1 rounds after the first failure,
 * and never a round per site. Elements are the caller's (void *); the planner only orders
 * them.
 */
struct narrow {
	void **trial;            /* the group being tried now */
	size_t ntrial;
	void **sib;              /* its set-aside other half: holds a culprit if trial passes */
	size_t nsib;
	void **rest;             /* set aside, not known either way */
	size_t nrest;
	unsigned rounds;         /* trials since the first failure */
	void *convicted;         /* set by narrow_next: shown to fail the others, or NULL */
};

/*
 * The round that was tried (nw->trial, or the whole first batch when nw is new) is over.
 * failed: the elements that failed only as part of a whole failure (to try again), in
 * order; named: how many culprits the server's words named in that round; clean: the round
 * ended with every element proven (nothing failed at all). Sets nw->trial to the next group
 * (ntrial 0: done) and nw->convicted. 0, or -1 when out of memory (nw then holds nothing).
 */
int narrow_next(struct narrow *nw, void *const *failed, size_t nfailed, size_t named,
		bool clean);
/* Every element still set aside or on trial (for reservations and shutdown). */
size_t narrow_pending(const struct narrow *nw, void ***v1, size_t *n1, void ***v2, size_t *n2,
		      void ***v3, size_t *n3);
void narrow_free(struct narrow *nw);

#endif
