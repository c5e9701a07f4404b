/* SPDX-License-Identifier: MIT */
/* The event loop: epoll over every fd, one timerfd for the timer heap, a signalfd, child watches. */
#ifndef CERTBIND_LOOP_H
#define CERTBIND_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/core/timer.h"

struct epoll_event;

/* Something in the epoll set (or, with fd < 0, a child watched through SIGCHLD). */
struct watcher {
	int fd;
	void (*cb)(void *arg, uint32_t events);
	void *arg;
	struct watcher *next;     /* SIGCHLD watchers only */
};

struct loop {
	int epfd;
	struct watcher w_sig, w_timer;
	struct watcher w_step;           /* wall-clock steps (see loop_on_clock_step), fd -1: off */
	void (*on_step)(void *arg);
	void *step_arg;
	struct watcher *chld_watchers;   /* children without a pidfd */
	struct timerheap timers;
	uint64_t armed_for;              /* what the timerfd is set to (0 = disarmed) */
	void (*on_signal)(void *arg, int signo);
	void *sig_arg;
	struct epoll_event *batch;       /* the events being dispatched (see loop_unwatch) */
	int nbatch;
	void (*settle)(void *arg);       /* the end of a pass (see loop_on_pass_end) */
	void (*end)(void *arg);
	void *pass_arg;
};

/* How many times a pass's settle step may run when it keeps making timers due at once. */
#define LOOP_SETTLE_ROUNDS 8

/*
 * Sets up epoll, the timerfd and a signalfd for HUP, TERM, INT and CHLD (blocked from normal
 * delivery; SIGPIPE ignored). on_signal is told every signal but CHLD, which wakes the child
 * watchers. Returns 0, or -1 with errno set (the loop is then freed).
 */
int loop_init(struct loop *L, void (*on_signal)(void *arg, int signo), void *arg);
void loop_free(struct loop *L);

/*
 * fn is called when the wall clock is stepped (timerfd TFD_TIMER_CANCEL_ON_SET): timers armed
 * for a wall-clock time (certificate expiry, renewal) must be armed again. Costs no wake-up
 * otherwise. 0, or -1 when the kernel cannot tell.
 */
int loop_on_clock_step(struct loop *L, void (*fn)(void *arg), void *arg);

/* Adds w to the epoll set for events; a watcher with fd < 0 is woken on every SIGCHLD. */
void loop_watch(struct loop *L, struct watcher *w, uint32_t events);
/* Removes w; an event for it already taken in this pass is dropped, so its owner may free it
 * at once (even from another watcher's callback). */
void loop_unwatch(struct loop *L, struct watcher *w);
/* Changes the events a watched fd waits for. */
void loop_rewatch(struct loop *L, struct watcher *w, uint32_t events);

static inline int loop_arm(struct loop *L, struct timer *t, uint64_t when)
{
	return timer_arm(&L->timers, t, when);
}
static inline void loop_cancel(struct loop *L, struct timer *t)
{
	timer_cancel(&L->timers, t);
}
static inline int loop_move(struct loop *L, struct timer *from, struct timer *to, void *arg)
{
	return timer_move(&L->timers, from, to, arg);
}

/*
 * The end of every pass, before the loop sleeps (redis ae's beforesleep): settle runs, then
 * the timers it made due at once fire, and settle runs again while any did (at most
 * LOOP_SETTLE_ROUNDS times: work whose completion is always told from the loop, at once,
 * lands in the same pass); then end runs once. Either may be NULL.
 */
void loop_on_pass_end(struct loop *L, void (*settle)(void *arg), void (*end)(void *arg),
		      void *arg);
/* Runs the pass's end now (the first pass, before the loop ever sleeps). */
void loop_pass_end(struct loop *L);

/*
 * One pass: sets the timerfd to the earliest deadline (or disarms it: no wake-ups when idle),
 * sleeps until an fd is ready, dispatches, fires every due timer, then runs the pass's end
 * (loop_on_pass_end). timeout_ms < 0 sleeps
 * without limit. Returns 0, or -1 on a fatal epoll error.
 */
int loop_once(struct loop *L, int timeout_ms);

#endif
