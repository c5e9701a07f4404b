// SPDX-License-Identifier: MIT
/* The rebind pipeline run for real: a fake server the test answers, proofs it settles. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "monitor/core/clock.h"
#include "monitor/rebind/driver.h"
#include "monitor/rebind/errlog.h"
#include "monitor/rebind/liveness.h"
#include "monitor/rebind/pipeline.h"
#include "monitor/rebind/prove.h"
#include "monitor/rebind/targets.h"

#define N 4

/*
 * The fakes replace whole modules at link time (srvop, driver, prove, liveness, targets,
 * errlog: the archive's members are never pulled in); culprit, the timers and the log are the
 * real ones. Everything a fake saw or is to answer lives here, reset before each test.
 */
static struct {
	uint64_t now;
	char steps[256];            /* "check reload reload ..." as the server was asked */
	struct srvop *waiting;      /* the step the test has to answer */
	unsigned scaled[8];         /* srvop_scale's check_ms, in order */
	size_t nscaled;
	bool dead_after_reload;     /* live_exited: the parent exited after the reload */
	int live_fd;
	struct prover *prover;
	bool proving[N];            /* started and not settled or stopped */
	unsigned proofs[N];         /* how many proofs each item had */
	bool quick[N];              /* its last proof was a look before any reload */
	bool render_fails[N], unchanged[N];
	bool wrote[N];
	unsigned restored[N];
	const char *errlog;         /* what the server's error log says after the reload */
	struct pipe_item *done_items;
	size_t done_n, done_calls;
	struct pipe_report report;
	char words[256];
} F;

static struct pipe_item items[N];
static struct site sites[N];
static struct server_cfg cfg;
static struct server srv;
static struct loop L;
static struct pipe_env env;

static size_t idx(const struct pipe_item *it) { return (size_t)(it - items); }
static void step(const char *what)
{
	size_t n = strlen(F.steps);
	snprintf(F.steps + n, sizeof(F.steps) - n, "%s%s", n ? " " : "", what);
}

/* --- the server: every step waits for the test's answer --- */
void srvop_init(struct srvop *op, struct loop *l, const struct server *s, srvop_done_fn done,
		void *arg)
{
	*op = (struct srvop){ .L = l, .srv = s, .done = done, .arg = arg, .aux_fd = -1 };
}
void srvop_scale(struct srvop *op, unsigned check_ms)
{
	if (F.nscaled < 8)
		F.scaled[F.nscaled++] = check_ms;
}
void srvop_scale_check(struct srvop *op, unsigned last_ms)
{
	srvop_scale(op, last_ms);
}
int srvop_argv(struct srvop *op, char *const *argv, const char *what)
{
	step(what);
	F.waiting = op;
	return 0;
}
void srvop_stop(struct srvop *op)
{
	if (F.waiting == op)
		F.waiting = NULL;
}
static int fake_reload(struct srvop *op)
{
	step("reload");
	F.waiting = op;
	return 0;
}
static const struct driver fake_driver = { .name = "fake", .reload = fake_reload };
const struct driver *driver_get(enum server_type t) { return &fake_driver; }
bool driver_can_reload(const struct server *s) { return true; }

/* The server answers the step it was asked (after ms on the clock). */
static void answer(bool ok, unsigned ms, const char *line)
{
	struct srvop *op = F.waiting;
	struct srvop_result r = { .ok = ok, .touched = true };

	assert_non_null(op);
	F.waiting = NULL;
	F.now += ms;
	if (!ok) {
		snprintf(r.why, sizeof(r.why), "exited with status 1: %s", line ? line : "");
		snprintf(r.line, sizeof(r.line), "%s", line ? line : "");
		snprintf(r.status, sizeof(r.status), "exit status 1");
	}
	op->done(op->arg, &r);
}

/* The step ran out of time after ms (its process group killed). */
static void answer_timeout(unsigned ms)
{
	struct srvop *op = F.waiting;
	struct srvop_result r = { .ok = false, .touched = true, .timed_out = true };

	assert_non_null(op);
	F.waiting = NULL;
	F.now += ms;
	snprintf(r.why, sizeof(r.why), "timed out after %u ms (process group killed)", ms);
	snprintf(r.status, sizeof(r.status), "timed out");
	op->done(op->arg, &r);
}

/* --- its parent process and error log --- */
int live_open(const struct server_cfg *s, pid_t *pid)
{
	*pid = 0x3fffffff;   /* no such process: a restart need not wait for it to be reaped */
	return F.live_fd;
}
bool live_exited(int pidfd) { return pidfd >= 0 && F.dead_after_reload; }
long long errlog_mark(const char *path) { return 0; }
char *errlog_since(const char *path, long long mark) { return F.errlog ? strdup(F.errlog) : NULL; }

/* --- the proofs: the test settles them --- */
void prove_init(struct prover *p, const struct pipe_env *e, struct pipe_item *its, size_t n,
		void (*settled)(void *arg, struct pipe_item *it, bool ok), void *arg)
{
	*p = (struct prover){ .L = e->L, .items = its, .n = n, .settled = settled, .arg = arg };
	F.prover = p;
}
void prove_start(struct prover *p, struct pipe_item *it, bool quick)
{
	it->prover = p;
	F.proving[idx(it)] = true;
	F.proofs[idx(it)]++;
	F.quick[idx(it)] = quick;
}
void prove_stop(struct prover *p)
{
	for (size_t i = 0; i < N; i++)
		if (items[i].prover == p)
			F.proving[i] = false;
}
static void settle(size_t i, bool ok, bool unreached)
{
	assert_true(F.proving[i]);
	F.proving[i] = false;
	items[i].unreached = unreached;
	if (!ok)
		snprintf(items[i].reason, sizeof(items[i].reason), "handshake failed");
	F.prover->settled(F.prover->arg, &items[i], ok);
}

/* --- the files --- */
size_t targets_write_all(struct pipe_item *its, size_t n, bool dry_run, bool can_reload,
			 bool *written)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (its[i].outcome != PO_PENDING)
			continue;
		if (F.render_fails[i]) {
			its[i].outcome = PO_FAILED;
			snprintf(its[i].reason, sizeof(its[i].reason), "render failed");
			out++;
		} else if (!F.unchanged[i]) {
			F.wrote[i] = its[i].rewrote = *written = true;
		}
	}
	return out;
}
bool targets_written(const struct pipe_item *it) { return F.wrote[idx(it)]; }
int targets_restore(struct pipe_item *it)
{
	F.restored[idx(it)]++;
	F.wrote[idx(it)] = false;
	return 0;
}
void targets_free(struct pipe_item *it) {}

/* --- the test's loop --- */
static uint64_t fake_clock(void) { return F.now; }

static void on_done(void *arg, struct pipe_item *its, size_t n, const struct pipe_report *r)
{
	F.done_items = its;
	F.done_n = n;
	F.done_calls++;
	F.report = *r;
	snprintf(F.words, sizeof(F.words), "%s", r->words ? r->words : "");
}

/* Fires every due timer until none is (what the loop does between its waits). */
static void run_loop(void)
{
	while (timer_run(&L.timers, F.now))
		;
}

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.live_fd = -1;
	memset(&L, 0, sizeof(L));
	L.epfd = -1;
	cfg = (struct server_cfg){ .name = "web", .type = SRV_NGINX, .reload_timeout_ms = 10000 };
	static char *check_argv[] = { "nginx", "-t", NULL };
	cfg.check = check_argv;
	srv = (struct server){ .cfg = &cfg, .synced = true, .check_ms = 0 };
	env = (struct pipe_env){ .L = &L };
	for (size_t i = 0; i < N; i++) {
		static char names[N][8], certs[N][32], keys[N][32];
		snprintf(names[i], sizeof(names[i]), "s%zu", i);
		snprintf(certs[i], sizeof(certs[i]), "/etc/certbind/s%zu.pem", i);
		snprintf(keys[i], sizeof(keys[i]), "/etc/certbind/s%zu.key", i);
		sites[i] = (struct site){ .name = names[i], .port = 443, .verify = true,
					  .certificate = certs[i], .key = keys[i],
					  .on_failure = ONF_ROLLBACK, .server = &cfg };
		char a[32];
		snprintf(a, sizeof(a), "198.51.100.%zu", 20 + i);
		items[i] = (struct pipe_item){ .site = &sites[i] };
		assert_int_equal(ipaddr_parse(a, &items[i].to), 0);
		snprintf(a, sizeof(a), "192.0.2.%zu", 20 + i);
		assert_int_equal(ipaddr_parse(a, &items[i].from), 0);
		items[i].has_from = true;
	}
	return 0;
}

static int teardown(void **state)
{
	timerheap_free(&L.timers);
	return 0;
}

static struct pipe_job *start(size_t n)
{
	struct pipe_job *j = pipe_start(&env, &srv, items, n, on_done, NULL);

	assert_non_null(j);
	/* done is told from the loop, never from inside pipe_start */
	assert_int_equal(F.done_calls, 0);
	return j;
}

/* Written, checked, reloaded once, every site proven: one check, one reload, nothing restored. */
static void test_all_proven(void **state)
{
	start(3);
	assert_string_equal(F.steps, "check");
	answer(true, 500, NULL);
	assert_string_equal(F.steps, "check reload");
	answer(true, 200, NULL);
	for (size_t i = 0; i < 3; i++) {
		assert_true(F.proving[i]);
		assert_false(F.quick[i]);
	}
	/* The wait for the new listeners gets 4x the check's 500 ms. */
	assert_int_equal(F.prover->listen_grace_ms, 2000);
	for (size_t i = 0; i < 3; i++)
		settle(i, true, false);
	assert_int_equal(F.done_calls, 0);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_int_equal(F.done_n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(items[i].outcome, PO_PROVEN);
		assert_int_equal(F.restored[i], 0);
	}
	assert_true(F.report.reloaded);
	assert_int_equal(F.report.check_ms, 500);
	assert_int_equal(F.report.reload_ms, 200);
	assert_false(F.report.whole);
	/* The check's deadline from the server's last check (none yet: 0), the reload's from
	 * this one (500 ms). */
	assert_int_equal(F.nscaled, 2);
	assert_int_equal(F.scaled[0], 0);
	assert_int_equal(F.scaled[1], 500);
	run_loop();
	assert_int_equal(F.done_calls, 1);
}

/*
 * One site's proof fails after the reload: only its files go back, the server reloads once
 * more, and its old binding is proven served again; the others stay proven.
 */
static void test_one_fails_alone(void **state)
{
	start(3);
	answer(true, 10, NULL);
	answer(true, 10, NULL);
	settle(0, true, false);
	settle(1, false, false);
	settle(2, true, false);
	run_loop();
	assert_string_equal(F.steps, "check reload reload");
	assert_int_equal(F.restored[0], 0);
	assert_int_equal(F.restored[1], 1);
	assert_int_equal(F.restored[2], 0);
	answer(true, 10, NULL);
	/* The rollback's proof: the old address of the failed site only. */
	assert_true(F.proving[1]);
	assert_false(F.proving[0] || F.proving[2]);
	settle(1, true, false);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_int_equal(items[0].outcome, PO_PROVEN);
	assert_int_equal(items[1].outcome, PO_FAILED);
	assert_true(items[1].rolled_back);
	assert_int_equal(items[1].old_served, 1);
	assert_string_equal(items[1].reason, "handshake failed");
	/* Its own address again, not the old one it was proven on. */
	char a[64];
	assert_string_equal(ipaddr_str(&items[1].to, a, sizeof(a)), "198.51.100.21");
	assert_false(items[1].again);
	assert_false(F.report.whole);
}

/*
 * The check fails naming one site's endpoint: the server never saw the files, nothing is
 * reloaded, every site's files go back; the named site is the culprit, the others are tried
 * again apart from it.
 */
static void test_check_names_culprit(void **state)
{
	const char *line = "nginx: [emerg] bind() to 198.51.100.22:443 failed (99: Cannot "
			   "assign requested address)";

	start(3);
	answer(false, 10, line);
	run_loop();
	assert_string_equal(F.steps, "check");
	assert_int_equal(F.done_calls, 1);
	assert_true(F.report.whole);
	assert_false(F.report.reloaded);
	assert_string_equal(F.words, line);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(items[i].outcome, PO_FAILED);
		assert_int_equal(F.restored[i], 1);
		assert_int_equal(F.proofs[i], 0);
	}
	assert_false(items[2].again);
	assert_non_null(strstr(items[2].reason, "198.51.100.22:443"));
	assert_true(items[0].again);
	assert_true(items[1].again);
}

/* A lone site whose check fails is judged alone: no `again`, the batch is not whole. */
static void test_lone_check_failure(void **state)
{
	start(1);
	answer(false, 10, "nginx: [emerg] unknown directive \"x\"");
	run_loop();
	assert_int_equal(items[0].outcome, PO_FAILED);
	assert_false(items[0].again);
	assert_false(F.report.whole);
	assert_non_null(strstr(items[0].reason, "configuration check failed: nginx: [emerg]"));
}

/*
 * After the reload no new endpoint answered: the server did not take the configuration (nginx
 * keeps the old one when an address cannot be bound). The batch failed as a whole, and its
 * error log names the culprit.
 */
static void test_unreached_batch_whole(void **state)
{
	F.errlog = "2026/12/03 [emerg] 1#1: bind() to 198.51.100.20:443 failed (98: Address "
		   "already in use)\n";
	start(3);
	answer(true, 10, NULL);
	answer(true, 10, NULL);
	for (size_t i = 0; i < 3; i++)
		settle(i, false, true);
	run_loop();
	assert_false(items[0].again);
	assert_non_null(strstr(items[0].reason, "the server did not take the new configuration"));
	assert_non_null(strstr(items[0].reason, "198.51.100.20:443"));
	assert_true(items[1].again);
	assert_true(items[2].again);
	/* All restored, one rollback reload, then the old bindings proven. */
	assert_string_equal(F.steps, "check reload reload");
	answer(true, 10, NULL);
	for (size_t i = 0; i < 3; i++)
		settle(i, true, false);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_true(F.report.whole);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(items[i].old_served, 1);
}

/* Nothing to write (a start-up pass): proven first, no check and no reload. */
static void test_unchanged_proven_first(void **state)
{
	F.unchanged[0] = F.unchanged[1] = true;
	start(2);
	assert_string_equal(F.steps, "");
	assert_true(F.quick[0] && F.quick[1]);
	settle(0, true, false);
	settle(1, true, false);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_false(F.report.reloaded);
	assert_int_equal(items[0].outcome, PO_PROVEN);
}

/*
 * Nothing to write, a proof fails, and the server is not known to run what is on disk (a
 * crash between writing and reloading): reload and prove again. A synced server is not.
 */
static void test_unsynced_reloads_after_failed_look(void **state)
{
	srv.synced = false;
	F.unchanged[0] = true;
	start(1);
	settle(0, false, false);
	run_loop();
	assert_string_equal(F.steps, "check");
	answer(true, 10, NULL);
	answer(true, 10, NULL);
	assert_true(F.proving[0]);
	assert_false(F.quick[0]);
	settle(0, true, false);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_int_equal(items[0].outcome, PO_PROVEN);
	assert_int_equal(F.proofs[0], 2);
}

static void test_synced_no_reload_after_failed_look(void **state)
{
	F.unchanged[0] = true;
	start(1);
	settle(0, false, false);
	run_loop();
	assert_string_equal(F.steps, "");
	assert_int_equal(F.done_calls, 1);
	assert_int_equal(items[0].outcome, PO_FAILED);
}

/* on_failure = alert: a site that fails alone keeps its new files (no restore, no reload). */
static void test_on_failure_alert_keeps(void **state)
{
	sites[1].on_failure = ONF_ALERT;
	start(2);
	answer(true, 10, NULL);
	answer(true, 10, NULL);
	settle(0, true, false);
	settle(1, false, false);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_int_equal(items[1].outcome, PO_KEPT);
	assert_int_equal(F.restored[1], 0);
	assert_string_equal(F.steps, "check reload");
}

/* A site that cannot be rendered leaves the job before anything runs; the others go on. */
static void test_render_failure_leaves_job(void **state)
{
	F.render_fails[1] = true;
	start(2);
	answer(true, 10, NULL);
	answer(true, 10, NULL);
	assert_false(F.proving[1]);
	settle(0, true, false);
	run_loop();
	assert_int_equal(items[0].outcome, PO_PROVEN);
	assert_int_equal(items[1].outcome, PO_FAILED);
	assert_string_equal(items[1].reason, "render failed");
}

/*
 * The server's parent exited after the reload: every site failed whatever its proof, the files
 * go back, and the server is started again on them, then the old bindings are proven.
 */
static void test_server_died_restarted(void **state)
{
	static char *start_argv[] = { "nginx", NULL };
	int p[2];

	assert_int_equal(pipe(p), 0);
	close(p[1]);
	cfg.start = start_argv;
	F.live_fd = p[0];
	F.dead_after_reload = true;
	start(2);
	answer(true, 10, NULL);
	answer(true, 10, NULL);
	run_loop();
	assert_string_equal(F.steps, "check reload start");
	assert_int_equal(F.restored[0], 1);
	assert_int_equal(F.restored[1], 1);
	answer(true, 10, NULL);
	settle(0, true, false);
	settle(1, true, false);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_true(F.report.restarted);
	assert_true(F.report.whole);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(items[i].outcome, PO_FAILED);
		assert_non_null(strstr(items[i].reason, "exited after the reload"));
	}
}

/* The reload command fails before it reached the server: files back, no second reload. */
static void test_reload_fails(void **state)
{
	start(2);
	answer(true, 10, NULL);
	struct srvop *op = F.waiting;
	struct srvop_result r = { .ok = false, .touched = false };
	snprintf(r.why, sizeof(r.why), "timed out after 10000 ms");
	F.waiting = NULL;
	op->done(op->arg, &r);
	run_loop();
	assert_string_equal(F.steps, "check reload");
	assert_int_equal(F.done_calls, 1);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(items[i].outcome, PO_FAILED);
		assert_int_equal(F.restored[i], 1);
		assert_non_null(strstr(items[i].reason, "reload timed out after 10000 ms"));
	}
}

/*
 * The first check of a large configuration timed out (nothing was known of the server's size):
 * a timeout names no site, so the check runs again with 4x the time it took, and the batch
 * goes on; nothing is failed, narrowed or restored.
 */
static void test_check_timeout_runs_again(void **state)
{
	start(3);
	answer_timeout(10000);
	assert_string_equal(F.steps, "check check");
	assert_int_equal(F.nscaled, 2);
	assert_int_equal(F.scaled[1], 10000);   /* srvop_scale: 4x that, 40 s */
	answer(true, 12000, NULL);
	assert_string_equal(F.steps, "check check reload");
	answer(true, 10, NULL);
	for (size_t i = 0; i < 3; i++)
		settle(i, true, false);
	run_loop();
	assert_int_equal(F.done_calls, 1);
	assert_int_equal(F.report.check_ms, 12000);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(items[i].outcome, PO_PROVEN);
		assert_int_equal(F.restored[i], 0);
	}
}

/* Timed out again with the longer deadline: the batch fails, its files go back. */
static void test_check_timeout_twice_fails(void **state)
{
	start(2);
	answer_timeout(10000);
	answer_timeout(40000);
	run_loop();
	assert_string_equal(F.steps, "check check");
	assert_int_equal(F.done_calls, 1);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(items[i].outcome, PO_FAILED);
		assert_int_equal(F.restored[i], 1);
		assert_non_null(strstr(items[i].reason, "timed out after 40000 ms"));
	}
}

/* Shutdown mid-proof: what was written goes back, done is never called. */
static void test_abort_restores(void **state)
{
	struct pipe_job *j = start(2);

	answer(true, 10, NULL);
	answer(true, 10, NULL);
	settle(0, true, false);
	pipe_abort(j);
	run_loop();
	assert_int_equal(F.done_calls, 0);
	assert_int_equal(F.restored[0], 0);
	assert_int_equal(F.restored[1], 1);
	assert_false(F.proving[1]);
}

int main(void)
{
	/* The pipeline's event lines go nowhere: never the host's /dev/log. */
	setlogmask(LOG_MASK(LOG_EMERG));
	clock_inject(fake_clock, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_proven, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_fails_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_names_culprit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lone_check_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreached_batch_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_proven_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsynced_reloads_after_failed_look, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_synced_no_reload_after_failed_look, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_on_failure_alert_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_failure_leaves_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_died_restarted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_timeout_runs_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_timeout_twice_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_restores, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
