// SPDX-License-Identifier: MIT
/* Arrays that double when full: every growing list of the daemon goes through here. */
#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>

int grow_room(void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : first;
	if (c < *cap || !size || c > SIZE_MAX / size)
		return -1;
	p = realloc(*v, c * size);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}
