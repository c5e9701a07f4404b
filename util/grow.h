/* SPDX-License-Identifier: MIT */
/* Room for one more element in an array that doubles when full (the one copy of that code). */
#ifndef CERTBIND_GROW_H
#define CERTBIND_GROW_H

#include <stddef.h>

/*
 * Makes room in *v (n elements in use, *cap allocated, size bytes each) for one more: when
 * full, the capacity doubles (first when empty). 0, or -1 when out of memory or the size
 * would overflow: *v and *cap are left as they were, so the caller's array stays valid.
 */
int grow_room(void **v, size_t n, size_t *cap, size_t size, size_t first);

/* grow_room for an array variable v of any element type. */
#define GROW(v, n, cap, first) grow_room((void **)&(v), (n), &(cap), sizeof(*(v)), (first))

#endif
