// SPDX-License-Identifier: MIT
/* The single-threaded epoll loop every part of the daemon runs in. */
#include "monitor/core/loop.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "monitor/core/log.h"

void loop_watch(struct loop *L, struct watcher *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->fd < 0) {
		/* A child without a pidfd: its callback runs on every SIGCHLD. */
		w->next = L->chld_watchers;
		L->chld_watchers = w;
		return;
	}
	if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		log_warn("epoll_ctl add fd %d", w->fd);
}

void loop_unwatch(struct loop *L, struct watcher *w)
{
	if (w->fd < 0) {
		for (struct watcher **pp = &L->chld_watchers; *pp; pp = &(*pp)->next)
			if (*pp == w) {
				*pp = w->next;
				break;
			}
		return;
	}
	epoll_ctl(L->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	/* An event of this pass not yet dispatched must not reach it: its owner may free it
	 * now (a child's pidfd and its output pipe ready together: the exit frees both). */
	for (int i = 0; i < L->nbatch; i++)
		if (L->batch[i].data.ptr == w)
			L->batch[i].data.ptr = NULL;
}

void loop_rewatch(struct loop *L, struct watcher *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->fd >= 0 && epoll_ctl(L->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		log_warn("epoll_ctl mod fd %d", w->fd);
}

static void on_signalfd(void *arg, uint32_t events)
{
	struct loop *L = arg;
	struct signalfd_siginfo si;

	while (read(L->w_sig.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			if (L->on_signal)
				L->on_signal(L->sig_arg, (int)si.ssi_signo);
			continue;
		}
		/* Each watcher reaps its own child if it exited (WNOHANG) and may unwatch itself. */
		for (struct watcher *w = L->chld_watchers, *next; w; w = next) {
			next = w->next;
			w->cb(w->arg, 0);
		}
	}
}

static void on_timerfd(void *arg, uint32_t events)
{
	struct loop *L = arg;
	uint64_t n;

	if (read(L->w_timer.fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("timerfd");
	L->armed_for = 0;
}

int loop_init(struct loop *L, void (*on_signal)(void *arg, int signo), void *arg)
{
	sigset_t set;

	memset(L, 0, sizeof(*L));
	L->w_sig.fd = L->w_timer.fd = L->w_step.fd = -1;
	L->on_signal = on_signal;
	L->sig_arg = arg;
	L->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (L->epfd < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		goto fail;
	signal(SIGPIPE, SIG_IGN);
	L->w_sig = (struct watcher){ .cb = on_signalfd, .arg = L };
	L->w_sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	L->w_timer = (struct watcher){ .cb = on_timerfd, .arg = L };
	L->w_timer.fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (L->w_sig.fd < 0 || L->w_timer.fd < 0)
		goto fail;
	loop_watch(L, &L->w_sig, EPOLLIN);
	loop_watch(L, &L->w_timer, EPOLLIN);
	return 0;
fail:
	loop_free(L);
	return -1;
}

/* Far in the future: the step watch never fires by itself (no wake-ups), only when cancelled. */
#define STEP_WATCH_S (20LL * 365 * 86400)

static int arm_step_watch(int fd)
{
	struct itimerspec its = { .it_value.tv_sec = time(NULL) + (time_t)STEP_WATCH_S };

	return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static void on_clock_step(void *arg, uint32_t events)
{
	struct loop *L = arg;
	uint64_t n;

	/* ECANCELED: the wall clock was set (NTP stepped it, an operator ran date -s). */
	if (read(L->w_step.fd, &n, sizeof(n)) < 0 && errno != ECANCELED && errno != EAGAIN)
		log_warn("timerfd (clock steps)");
	if (arm_step_watch(L->w_step.fd) < 0)
		log_warn("timerfd_settime (clock steps)");
	if (L->on_step)
		L->on_step(L->step_arg);
}

int loop_on_clock_step(struct loop *L, void (*fn)(void *arg), void *arg)
{
	L->on_step = fn;
	L->step_arg = arg;
	if (L->w_step.fd >= 0)
		return 0;
	L->w_step = (struct watcher){ .cb = on_clock_step, .arg = L };
	L->w_step.fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (L->w_step.fd < 0 || arm_step_watch(L->w_step.fd) < 0) {
		if (L->w_step.fd >= 0)
			close(L->w_step.fd);
		L->w_step.fd = -1;
		return -1;
	}
	loop_watch(L, &L->w_step, EPOLLIN);
	return 0;
}

void loop_free(struct loop *L)
{
	timerheap_free(&L->timers);
	if (L->w_step.fd >= 0)
		close(L->w_step.fd);
	if (L->w_sig.fd >= 0)
		close(L->w_sig.fd);
	if (L->w_timer.fd >= 0)
		close(L->w_timer.fd);
	if (L->epfd >= 0)
		close(L->epfd);
	L->w_sig.fd = L->w_timer.fd = L->w_step.fd = L->epfd = -1;
}

/* Sets the timerfd to the earliest deadline, or disarms it: no wake-ups when idle. */
static void rearm(struct loop *L)
{
	struct timer *t = timer_first(&L->timers);
	uint64_t when = t ? t->when : 0;
	struct itimerspec its = { 0 };

	if (when == L->armed_for)
		return;
	if (when) {
		/* CLOCK_BOOTTIME absolute (now_ms()); 0 would disarm, so never pass it. */
		its.it_value.tv_sec = (time_t)(when / 1000);
		its.it_value.tv_nsec = (long)(when % 1000) * 1000000 + 1;
	}
	if (timerfd_settime(L->w_timer.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("timerfd_settime");
	L->armed_for = when;
}

int loop_once(struct loop *L, int timeout_ms)
{
	struct epoll_event evs[32];
	int n;

	rearm(L);
	n = epoll_wait(L->epfd, evs, 32, timeout_ms);
	if (n < 0 && errno != EINTR) {
		log_warn("epoll_wait");
		return -1;
	}
	L->batch = evs;
	L->nbatch = n > 0 ? n : 0;
	for (int i = 0; i < L->nbatch; i++) {
		struct watcher *w = evs[i].data.ptr;
		if (w)          /* NULL: unwatched by an earlier callback of this pass */
			w->cb(w->arg, evs[i].events);
	}
	L->batch = NULL;
	L->nbatch = 0;
	timer_run(&L->timers, now_ms());
	loop_pass_end(L);
	return 0;
}

void loop_on_pass_end(struct loop *L, void (*settle)(void *arg), void (*end)(void *arg),
		      void *arg)
{
	L->settle = settle;
	L->end = end;
	L->pass_arg = arg;
}

void loop_pass_end(struct loop *L)
{
	for (int i = 0; L->settle && i < LOOP_SETTLE_ROUNDS; i++) {
		L->settle(L->pass_arg);
		if (!timer_run(&L->timers, now_ms()))
			break;
	}
	if (L->end)
		L->end(L->pass_arg);
}
