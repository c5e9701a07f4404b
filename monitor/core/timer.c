// SPDX-License-Identifier: MIT
/* Binary min-heap of deadlines. */
#include "monitor/core/timer.h"

#include <stdbool.h>
#include <stdlib.h>

#include "util/grow.h"

static void put(struct timerheap *th, size_t i, struct timer *t)
{
	th->h[i] = t;
	t->idx = i + 1;
}

static void sift_up(struct timerheap *th, size_t i)
{
	struct timer *t = th->h[i];

	while (i > 0 && th->h[(i - 1) / 2]->when > t->when) {
		put(th, i, th->h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	put(th, i, t);
}

static void sift_down(struct timerheap *th, size_t i)
{
	struct timer *t = th->h[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= th->n)
			break;
		if (c + 1 < th->n && th->h[c + 1]->when < th->h[c]->when)
			c++;
		if (th->h[c]->when >= t->when)
			break;
		put(th, i, th->h[c]);
		i = c;
	}
	put(th, i, t);
}

int timer_arm(struct timerheap *th, struct timer *t, uint64_t when)
{
	if (t->idx) {
		t->when = when;
		sift_up(th, t->idx - 1);
		sift_down(th, t->idx - 1);
		return 0;
	}
	if (GROW(th->h, th->n, th->cap, 64) < 0)
		return -1;
	t->when = when;
	put(th, th->n++, t);
	sift_up(th, th->n - 1);
	return 0;
}

void timer_cancel(struct timerheap *th, struct timer *t)
{
	size_t i;

	if (!t->idx)
		return;
	i = t->idx - 1;
	t->idx = 0;
	if (i == --th->n)
		return;
	put(th, i, th->h[th->n]);
	sift_up(th, i);
	sift_down(th, th->h[i]->idx - 1);
}

struct timer *timer_first(const struct timerheap *th)
{
	return th->n ? th->h[0] : NULL;
}

size_t timer_run(struct timerheap *th, uint64_t now)
{
	size_t fired = 0;
	struct timer *t;

	while ((t = timer_first(th)) && t->when <= now) {
		timer_cancel(th, t);
		t->fn(t->arg);
		fired++;
	}
	return fired;
}

int timer_move(struct timerheap *th, struct timer *from, struct timer *to, void *arg)
{
	uint64_t when = from->when;
	bool armed = timer_armed(from);

	timer_cancel(th, from);
	to->idx = 0;
	to->arg = arg;
	return armed ? timer_arm(th, to, when) : 0;
}

void timerheap_free(struct timerheap *th)
{
	free(th->h);
	th->h = NULL;
	th->n = th->cap = 0;
}
