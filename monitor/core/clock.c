// SPDX-License-Identifier: MIT
/* Reading the clocks, with a seam for tests to drive time (suspend, wall-clock steps). */
#include "monitor/core/clock.h"

static uint64_t (*boot_src)(void);
static time_t (*wall_src)(void);

uint64_t now_ms(void)
{
	struct timespec ts;

	if (boot_src)
		return boot_src();
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

time_t wall_now(void)
{
	return wall_src ? wall_src() : time(NULL);
}

uint64_t clock_at_wall(time_t when)
{
	time_t now = wall_now();

	return now_ms() + (when > now ? (uint64_t)(when - now) * 1000 : 0);
}

void clock_inject(uint64_t (*boot_ms)(void), time_t (*wall)(void))
{
	boot_src = boot_ms;
	wall_src = wall;
}
