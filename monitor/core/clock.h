/* SPDX-License-Identifier: MIT */
/* The daemon's two clocks: boot time for deadlines (it runs through suspend), the wall clock. */
#ifndef CERTBIND_CLOCK_H
#define CERTBIND_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on CLOCK_BOOTTIME: unlike CLOCK_MONOTONIC it does not stop during suspend,
 * so a renewal due in six hours is due six hours later, however long the lid was shut. */
uint64_t now_ms(void);
/* Seconds of the wall clock (CLOCK_REALTIME). */
time_t wall_now(void);
/* The time on now_ms()'s clock at which the wall clock will read `when` (now if past). It
 * holds until the wall clock is stepped: then whoever armed a timer with it arms it again. */
uint64_t clock_at_wall(time_t when);
/* Tests: other sources for both clocks (NULL: the real ones). */
void clock_inject(uint64_t (*boot_ms)(void), time_t (*wall)(void));

#endif
