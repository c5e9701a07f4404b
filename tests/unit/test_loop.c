// SPDX-License-Identifier: MIT
/* The event loop and the supervised-child helper, on their own: timers, fds, real children. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/core/child.h"
#include "monitor/core/loop.h"

static struct loop L;
static int order[16], nfired;

static int setup(void **state)
{
	nfired = 0;
	return loop_init(&L, NULL, NULL);
}

static int teardown(void **state)
{
	loop_free(&L);
	return 0;
}

static void fire(void *arg)
{
	order[nfired++] = (int)(intptr_t)arg;
}

static void test_timers_in_order(void **state)
{
	struct timer t[3];
	uint64_t now = now_ms();

	for (int i = 0; i < 3; i++)
		t[i] = (struct timer){ .fn = fire, .arg = (void *)(intptr_t)i };
	loop_arm(&L, &t[0], now + 30);
	loop_arm(&L, &t[1], now + 10);
	loop_arm(&L, &t[2], now + 20);
	loop_cancel(&L, &t[2]);
	while (nfired < 2)
		assert_int_equal(loop_once(&L, 2000), 0);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 0);
	assert_true(now_ms() >= now + 30);
	assert_false(timer_armed(&t[2]));
	assert_null(timer_first(&L.timers));
}

/* A pass's end: settle arms a timer due at once twice (a job told from the loop that makes
 * another due), the loop runs settle again while timers fire, then end once. */
static struct timer pass_t;
static int settles, ends, rearm_left;

static void pass_fired(void *arg)
{
	order[nfired++] = 100 + settles;
}

static void pass_settle(void *arg)
{
	settles++;
	if (rearm_left-- > 0)
		loop_arm(&L, &pass_t, now_ms());
}

static void pass_ended(void *arg)
{
	assert_ptr_equal(arg, &L);
	ends++;
}

static void test_pass_end(void **state)
{
	pass_t = (struct timer){ .fn = pass_fired };
	settles = ends = 0;
	rearm_left = 2;
	loop_on_pass_end(&L, pass_settle, pass_ended, &L);
	loop_pass_end(&L);
	/* settle, its timer, settle, its timer, settle (nothing due): then end */
	assert_int_equal(settles, 3);
	assert_int_equal(nfired, 2);
	assert_int_equal(ends, 1);
	/* A settle that always makes more due is bounded. */
	settles = ends = nfired = 0;
	rearm_left = 1000;
	loop_pass_end(&L);
	assert_int_equal(settles, LOOP_SETTLE_ROUNDS);
	assert_int_equal(ends, 1);
	loop_cancel(&L, &pass_t);
	/* Every loop_once ends with it. */
	settles = ends = 0;
	rearm_left = 0;
	assert_int_equal(loop_once(&L, 0), 0);
	assert_int_equal(settles, 1);
	assert_int_equal(ends, 1);
}

/* Two fds ready in one pass; whichever runs first unwatches and frees the other's watcher
 * (a child's exit frees its output pipe's watcher): the other's event must not run. */
static struct watcher *pair[2];
static int ran;

static void pair_cb(void *arg, uint32_t events)
{
	int me = (int)(intptr_t)arg, them = !me;

	ran++;
	if (pair[them]) {
		loop_unwatch(&L, pair[them]);
		free(pair[them]);
		pair[them] = NULL;
	}
}

static void test_unwatch_drops_pending_event(void **state)
{
	int fds[2][2];

	ran = 0;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pipe(fds[i]), 0);
		assert_int_equal(write(fds[i][1], "x", 1), 1);
		pair[i] = calloc(1, sizeof(*pair[i]));
		assert_non_null(pair[i]);
		*pair[i] = (struct watcher){ .fd = fds[i][0], .cb = pair_cb,
					     .arg = (void *)(intptr_t)i };
		loop_watch(&L, pair[i], EPOLLIN);
	}
	assert_int_equal(loop_once(&L, 1000), 0);
	assert_int_equal(ran, 1);
	for (int i = 0; i < 2; i++) {
		if (pair[i]) {
			loop_unwatch(&L, pair[i]);
			free(pair[i]);
			pair[i] = NULL;
		}
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

static void on_readable(void *arg, uint32_t events)
{
	int *fds = arg;
	char c;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fds[0], &c, 1), 1);
	order[nfired++] = c;
}

static void test_fd_watch(void **state)
{
	int fds[2];
	struct watcher w;

	assert_int_equal(pipe(fds), 0);
	w = (struct watcher){ .fd = fds[0], .cb = on_readable, .arg = fds };
	loop_watch(&L, &w, EPOLLIN);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(loop_once(&L, 2000), 0);
	assert_int_equal(nfired, 1);
	assert_int_equal(order[0], 'x');
	loop_unwatch(&L, &w);
	assert_int_equal(write(fds[1], "y", 1), 1);
	/* Not watched any more: a pass with a short timeout dispatches nothing. */
	assert_int_equal(loop_once(&L, 20), 0);
	assert_int_equal(nfired, 1);
	close(fds[0]);
	close(fds[1]);
}

static struct child_result got;
static char got_out[CHILD_OUTPUT_MAX], got_tail[CHILD_TAIL_MAX];
static bool done;

static void on_done(void *arg, const struct child_result *r)
{
	got = *r;
	snprintf(got_out, sizeof(got_out), "%s", r->output);
	snprintf(got_tail, sizeof(got_tail), "%s", r->tail ? r->tail : "");
	got.output = got_out;
	got.tail = got_tail;
	done = true;
}

static void run(char *const argv[], unsigned timeout_ms)
{
	struct child c;

	done = false;
	assert_int_equal(child_start(&L, &c, argv, NULL, timeout_ms, on_done, NULL), 0);
	assert_true(child_running(&c));
	assert_false(done);     /* never told from inside child_start */
	while (!done)
		assert_int_equal(loop_once(&L, 5000), 0);
	assert_false(child_running(&c));
}

static void test_child_exit_and_output(void **state)
{
	char *const ok[] = { "/bin/sh", "-c", "echo hello; echo world >&2", NULL };
	char *const bad[] = { "/bin/sh", "-c", "echo; echo first; echo last; exit 3", NULL };
	char line[64];

	run(ok, 5000);
	assert_true(child_ok(&got));
	assert_string_equal(got.output, "hello\nworld\n");
	run(bad, 5000);
	assert_false(child_ok(&got));
	assert_false(got.timed_out);
	assert_string_equal(child_status_str(got.status, line, sizeof(line)), "exit status 3");
	assert_string_equal(child_first_line(got.output, line, sizeof(line)), "first");
	assert_string_equal(child_last_line(got.output, line, sizeof(line)), "last");
}

static void test_child_environment_is_fixed(void **state)
{
	char *const argv[] = { "/usr/bin/env", NULL };

	setenv("CERTBIND_TEST_SECRET", "leak", 1);
	run(argv, 5000);
	assert_null(strstr(got.output, "CERTBIND_TEST_SECRET"));
	assert_non_null(strstr(got.output, "PATH="));
}

static void test_child_deadline_kills_the_group(void **state)
{
	char pidfile[] = "/tmp/certbind-test-loop.XXXXXX";
	int fd = mkstemp(pidfile);
	char script[256];
	char *const argv[] = { "/bin/sh", "-c", script, NULL };
	FILE *f;
	int grandchild = 0;

	assert_true(fd >= 0);
	close(fd);
	snprintf(script, sizeof(script), "sleep 600 & echo $! > %s; wait", pidfile);
	run(argv, 300);
	assert_true(got.timed_out);
	assert_false(child_ok(&got));
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &grandchild), 1);
	fclose(f);
	unlink(pidfile);
	/* The grandchild was in the group: killed too (it may linger as a zombie of init). */
	for (int i = 0; i < 100 && kill(grandchild, 0) == 0; i++) {
		char path[64], st = 0;
		snprintf(path, sizeof(path), "/proc/%d/stat", grandchild);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%*d %*s %c", &st) != 1 || st == 'Z') {
			if (f)
				fclose(f);
			break;
		}
		fclose(f);
		usleep(10000);
		assert_true(i < 99);
	}
}

static void test_child_bounded_output(void **state)
{
	char *const argv[] = { "/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\000' x", NULL };

	run(argv, 10000);
	assert_true(child_ok(&got));
	assert_true(got.truncated);
	assert_int_equal(strlen(got.output), CHILD_OUTPUT_MAX - 1);
}

/* A command that prints more than the head keeps: its last line is still its verdict. */
static void test_child_long_output_last_line(void **state)
{
	char *const argv[] = { "/bin/sh", "-c", "head -c 5000 /dev/zero | tr '\\000' x; "
			       "echo; echo 'error: the CA said no'", NULL };
	char line[256];

	run(argv, 10000);
	assert_true(got.truncated);
	assert_string_equal(child_result_last_line(&got, line, sizeof(line)),
			    "error: the CA said no");
	/* Short output: the same line from the head. */
	char *const shortv[] = { "/bin/sh", "-c", "echo one; echo two", NULL };
	run(shortv, 5000);
	assert_string_equal(child_result_last_line(&got, line, sizeof(line)), "two");
}

static void test_child_cannot_start(void **state)
{
	char *const argv[] = { "/nonexistent/certbind-test", NULL };

	/* execve fails in the child: reported as exit status 127 with the reason. */
	run(argv, 5000);
	assert_false(child_ok(&got));
	assert_non_null(strstr(got.output, "cannot execute /nonexistent/certbind-test"));
}

static void test_child_stop(void **state)
{
	char *const argv[] = { "/bin/sleep", "600", NULL };
	struct child c;

	done = false;
	assert_int_equal(child_start(&L, &c, argv, NULL, 60000, on_done, NULL), 0);
	child_stop(&c);
	assert_false(child_running(&c));
	assert_int_equal(loop_once(&L, 20), 0);
	assert_false(done);     /* stopped children are not reported */
	assert_null(timer_first(&L.timers));
}

static uint64_t fake_boot;
static time_t fake_wall;
static uint64_t boot(void) { return fake_boot; }
static time_t wall(void) { return fake_wall; }

/* Deadlines for wall-clock times (certificate expiry, renewal) on the boot-time clock. */
static void test_clock_at_wall(void **state)
{
	struct timer t = { 0 };

	clock_inject(boot, wall);
	fake_boot = 5000000;
	fake_wall = 1800000000;
	assert_int_equal(now_ms(), 5000000);
	assert_int_equal(clock_at_wall(fake_wall + 3600), 5000000 + 3600000);
	assert_int_equal(clock_at_wall(fake_wall - 10), 5000000);      /* past: now */
	/* Suspended for an hour: the boot-time clock counted it, so a timer armed before is
	 * due as the wall clock says (a monotonic clock would be an hour late). */
	assert_int_equal(timer_arm(&L.timers, &t, clock_at_wall(fake_wall + 7200)), 0);
	fake_boot += 3600000;
	fake_wall += 3600;
	assert_int_equal(t.when - now_ms(), 3600000);
	/* The wall clock is stepped a day ahead (NTP after a boot with a stale RTC): armed
	 * again, the same threshold is now past. */
	fake_wall += 86400;
	assert_int_equal(clock_at_wall(1800000000 + 7200), now_ms());
	timer_cancel(&L.timers, &t);
	clock_inject(NULL, NULL);
	assert_true(now_ms() != 5000000 + 3600000);
}

/* The loop can be told of wall-clock steps (no wake-up otherwise). */
static void test_clock_step_watch(void **state)
{
	assert_int_equal(loop_on_clock_step(&L, NULL, NULL), 0);
	assert_true(L.w_step.fd >= 0);
	/* Nothing pending: a pass dispatches nothing. */
	assert_int_equal(loop_once(&L, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timers_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pass_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwatch_drops_pending_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_exit_and_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_environment_is_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_deadline_kills_the_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_bounded_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_long_output_last_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_cannot_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_at_wall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_step_watch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
