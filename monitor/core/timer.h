/* SPDX-License-Identifier: MIT */
/* Deadlines in a binary min-heap, so the loop arms one timerfd for the earliest. */
#ifndef CERTBIND_TIMER_H
#define CERTBIND_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/core/clock.h"

struct timer {
	uint64_t when;            /* now_ms()'s clock (CLOCK_BOOTTIME), ms */
	size_t idx;               /* heap slot + 1; 0 = not armed */
	void (*fn)(void *arg);
	void *arg;
};

struct timerheap {
	struct timer **h;
	size_t n, cap;
};

/* Arms (or re-arms) t for when. Returns 0 or -1 (ENOMEM). */
int timer_arm(struct timerheap *th, struct timer *t, uint64_t when);
void timer_cancel(struct timerheap *th, struct timer *t);
static inline int timer_armed(const struct timer *t) { return t->idx != 0; }
/* Moves an armed deadline from one timer to another (an object moved to a new place): to
 * gets from's deadline, if any, and arg; from is disarmed. 0 or -1 (ENOMEM: to disarmed). */
int timer_move(struct timerheap *th, struct timer *from, struct timer *to, void *arg);
/* The earliest armed timer, or NULL. */
struct timer *timer_first(const struct timerheap *th);
/* Fires (and disarms) every timer due at now. Returns how many fired. */
size_t timer_run(struct timerheap *th, uint64_t now);
void timerheap_free(struct timerheap *th);

#endif
