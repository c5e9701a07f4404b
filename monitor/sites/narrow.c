// SPDX-License-Identifier: MIT
/* The group-testing planner behind batch isolation: which sites to try together next. */
#include "monitor/sites/narrow.h"

#include <stdlib.h>
#include <string.h>

/* dst = a copy of v[0..n) (or NULL when n is 0). */
static int set(void ***dst, size_t *ndst, void *const *v, size_t n)
{
	void **c = NULL;

	if (n && !(c = malloc(n * sizeof(*c))))
		return -1;
	if (n)
		memcpy(c, v, n * sizeof(*c));
	free(*dst);
	*dst = c;
	*ndst = n;
	return 0;
}

/* dst += v[0..n) */
static int append(void ***dst, size_t *ndst, void *const *v, size_t n)
{
	void **c;

	if (!n)
		return 0;
	if (!(c = realloc(*dst, (*ndst + n) * sizeof(*c))))
		return -1;
	memcpy(c + *ndst, v, n * sizeof(*c));
	*dst = c;
	*ndst += n;
	return 0;
}

/* Try the first half of g now, keep its second half as the sibling. */
static int split(struct narrow *nw, void *const *g, size_t n)
{
	size_t h = (n + 1) / 2;
	void **copy = malloc(n * sizeof(*copy));
	int rc;

	if (!copy)
		return -1;
	memcpy(copy, g, n * sizeof(*copy));
	rc = set(&nw->trial, &nw->ntrial, copy, h) | set(&nw->sib, &nw->nsib, copy + h, n - h);
	free(copy);
	return rc;
}

/* Everything set aside is tried together. */
static int try_rest(struct narrow *nw)
{
	int rc = append(&nw->rest, &nw->nrest, nw->sib, nw->nsib);

	free(nw->trial);
	free(nw->sib);
	nw->sib = NULL;
	nw->nsib = 0;
	nw->trial = nw->rest;
	nw->ntrial = nw->nrest;
	nw->rest = NULL;
	nw->nrest = 0;
	return rc;
}

int narrow_next(struct narrow *nw, void *const *failed, size_t nfailed, size_t named,
		bool clean)
{
	int rc;

	nw->convicted = NULL;
	if (nfailed >= 2 && !named) {
		/* Failed as a whole, nobody named: its sibling is no longer known to be bad. */
		rc = append(&nw->rest, &nw->nrest, nw->sib, nw->nsib) | split(nw, failed, nfailed);
	} else if (nfailed) {
		/* Culprits named (or one left): the rest of the group goes on, untainted. */
		rc = append(&nw->rest, &nw->nrest, nw->sib, nw->nsib);
		free(nw->sib);
		nw->sib = NULL;
		nw->nsib = 0;
		rc |= set(&nw->trial, &nw->ntrial, failed, nfailed);
	} else if (clean && nw->nsib) {
		/* The trial passed, so its sibling holds what failed the group they came from. */
		void **s = nw->sib;
		size_t ns = nw->nsib;
		nw->sib = NULL;
		nw->nsib = 0;
		if (ns == 1) {
			nw->convicted = s[0];
			rc = try_rest(nw);
		} else {
			rc = split(nw, s, ns);
		}
		free(s);
	} else {
		/* The trial's own failures explain the group's: the sibling is not known bad. */
		rc = try_rest(nw);
	}
	if (rc) {
		narrow_free(nw);
		return -1;
	}
	if (nw->ntrial)
		nw->rounds++;
	return 0;
}

size_t narrow_pending(const struct narrow *nw, void ***v1, size_t *n1, void ***v2, size_t *n2,
		      void ***v3, size_t *n3)
{
	*v1 = nw->trial, *n1 = nw->ntrial;
	*v2 = nw->sib, *n2 = nw->nsib;
	*v3 = nw->rest, *n3 = nw->nrest;
	return nw->ntrial + nw->nsib + nw->nrest;
}

void narrow_free(struct narrow *nw)
{
	free(nw->trial);
	free(nw->sib);
	free(nw->rest);
	*nw = (struct narrow){ 0 };
}
