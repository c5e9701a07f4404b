// SPDX-License-Identifier: MIT
/* Batching sites into jobs, run for real against a fake pipeline the test answers as a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "monitor/core/clock.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/jobs.h"

#define N 16

/*
 * The fake pipeline replaces pipeline.c at link time (and failover.c's one question: no site
 * here is a failover site); narrowing, the server records, the due hash and the real timers
 * run as they do in certbindd.
 */
struct fjob {
	struct pipe_item *items;
	size_t n;
	pipe_done_fn done;
	void *arg;
	const struct server *srv;
	bool aborted;
};

static struct {
	uint64_t now;
	struct fjob jobs[64];
	size_t njobs;
	unsigned told[N];            /* on_item calls per site */
	enum pipe_outcome outcome[N];
	char reason[N][512];
	unsigned rounds_told, ends;
	bool bad[N];                 /* the fake server fails any batch holding a bad site */
	bool names;                  /* ... and its words name the bad sites */
	unsigned ops_told;
	char op_reason[64];
} F;

static struct site cfgs[N];
static struct server_cfg srv_a, srv_b;
static struct policy pol;
static struct sites set;
static struct loop L;
static struct siteinfo *V;

struct pipe_job *pipe_start(const struct pipe_env *env, const struct server *srv,
			    struct pipe_item *items, size_t n, pipe_done_fn done, void *arg)
{
	assert_true(F.njobs < 64);
	F.jobs[F.njobs++] = (struct fjob){ .items = items, .n = n, .done = done, .arg = arg,
					   .srv = srv };
	return (struct pipe_job *)&F.jobs[F.njobs - 1];
}
void pipe_abort(struct pipe_job *j) { ((struct fjob *)j)->aborted = true; }
bool failover_reload_first(const struct siteinfo *si, const struct ipaddr *vip, bool standby)
{
	return false;
}

static size_t site_of(const struct pipe_item *it) { return (size_t)(it->site - cfgs); }

/* The server answers job k: a batch of two or more with a bad site fails as a whole (nginx
 * keeps its old configuration); a site alone is judged alone. */
static void answer(size_t k)
{
	struct fjob *fj = &F.jobs[k];
	struct pipe_report r = { .reloaded = true, .reload_ms = 10, .words = "" };
	size_t nbad = 0;

	for (size_t i = 0; i < fj->n; i++)
		nbad += F.bad[site_of(&fj->items[i])];
	r.whole = fj->n >= 2 && nbad;
	for (size_t i = 0; i < fj->n; i++) {
		struct pipe_item *it = &fj->items[i];
		bool bad = F.bad[site_of(it)];
		if (it->disabling) {
			it->outcome = PO_DISABLED;
			continue;
		}
		it->outcome = nbad ? PO_FAILED : PO_PROVEN;
		it->rolled_back = nbad;
		if (!nbad)
			continue;
		if (r.whole && !(F.names && bad)) {
			it->again = true;
			snprintf(it->reason, sizeof(it->reason), "failed as a whole");
		} else if (bad || !r.whole) {
			snprintf(it->reason, sizeof(it->reason), "bind() to %s:443 failed",
				 it->site->name);
		}
		if (!bad && !r.whole)
			it->outcome = PO_PROVEN;
	}
	fj->done(fj->arg, fj->items, fj->n, &r);
}

static void on_item(struct siteinfo *si, const struct pipe_item *it)
{
	size_t k = (size_t)(si - V);

	F.told[k]++;
	F.outcome[k] = it->outcome;
	snprintf(F.reason[k], sizeof(F.reason[k]), "%s", it->reason);
}
static void on_told(struct sites *s) { F.rounds_told++; }
static void on_end(struct sites *s, const struct site *server_of) { F.ends++; }
static void on_op(void *arg, bool ok, const char *reason)
{
	F.ops_told++;
	snprintf(F.op_reason, sizeof(F.op_reason), "%s", reason);
}

static uint64_t fake_clock(void) { return F.now; }

static void run_loop(void)
{
	while (timer_run(&L.timers, F.now))
		;
}

static int setup(void **state)
{
	static char names[N][8];

	memset(&F, 0, sizeof(F));
	memset(&L, 0, sizeof(L));
	L.epfd = -1;
	srv_a = (struct server_cfg){ .name = "a", .type = SRV_NGINX, .reload_timeout_ms = 10000 };
	srv_b = (struct server_cfg){ .name = "b", .type = SRV_NGINX, .reload_timeout_ms = 10000 };
	pol = (struct policy){ .settle_ms = 0 };
	V = calloc(N, sizeof(*V));
	assert_non_null(V);
	memset(&set, 0, sizeof(set));
	set = (struct sites){ .L = &L, .tab = addrtab_new(), .pol = &pol, .v = V, .n = N,
			      .env = { .L = &L } };
	assert_non_null(set.tab);
	/* Sites 0-9 on server a, 10-13 on b, 14-15 files only. */
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "s%zu", i);
		cfgs[i] = (struct site){ .name = names[i], .port = 443, .verify = true,
					 .server = i < 10 ? &srv_a : i < 14 ? &srv_b : NULL,
					 .server_type = SRV_NGINX, .reload_timeout_ms = 10000 };
		V[i].cfg = &cfgs[i];
		V[i].set = &set;
		V[i].fsm.renders = V[i].fsm.cert_ok = true;
	}
	return 0;
}

static int teardown(void **state)
{
	jobs_free(&set);
	addrtab_free((struct addrtab *)set.tab);
	timerheap_free(&L.timers);
	free(V);
	return 0;
}

static void due(size_t i, const char *to)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(to, &a), 0);
	assert_int_equal(jobs_add(&V[i], &a, (struct where){ .ifindex = 2, .plen = 24 }, false), 0);
}

static void due_range(size_t from, size_t to)
{
	char a[32];

	for (size_t i = from; i < to; i++) {
		snprintf(a, sizeof(a), "198.51.100.%zu", 10 + i);
		due(i, a);
	}
}

/* Sites due in one pass: one job per server, every site told once, every job ended. */
static void test_one_job_per_server(void **state)
{
	due_range(0, 16);
	jobs_start_due(&set, on_item, on_told, on_end);
	/* a, b, and each files-only site alone */
	assert_int_equal(F.njobs, 4);
	assert_int_equal(set.jobs_running, 4);
	assert_int_equal(set.ndue, 0);
	size_t total = 0;
	for (size_t k = 0; k < F.njobs; k++) {
		total += F.jobs[k].n;
		for (size_t i = 1; i < F.jobs[k].n; i++)
			assert_true(site_same_server(F.jobs[k].items[0].site, F.jobs[k].items[i].site));
	}
	assert_int_equal(total, 16);
	for (size_t k = 0; k < 4; k++)
		answer(k);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(F.told[i], 1);
		assert_int_equal(F.outcome[i], PO_PROVEN);
		assert_null(V[i].job);
	}
	assert_int_equal(F.ends, 4);
	assert_int_equal(F.rounds_told, 4);
	assert_int_equal(set.jobs_running, 0);
}

/* A site of a busy server waits for its job (one job per server); the end is its next look. */
static void test_busy_server_waits(void **state)
{
	due_range(0, 3);
	jobs_start_due(&set, on_item, on_told, on_end);
	assert_int_equal(F.njobs, 1);
	due(3, "198.51.100.99");
	assert_true(jobs_server_busy(&set, &cfgs[3]));
	jobs_start_due(&set, on_item, on_told, on_end);
	assert_int_equal(F.njobs, 1);
	assert_int_equal(set.ndue, 1);
	answer(0);
	assert_false(jobs_server_busy(&set, &cfgs[3]));
	jobs_start_due(&set, on_item, on_told, on_end);
	assert_int_equal(F.njobs, 2);
	assert_int_equal(F.jobs[1].n, 1);
	assert_ptr_equal(F.jobs[1].items[0].site, &cfgs[3]);
}

/*
 * The batch window: while another site of the same server is about to decide, the job waits
 * for it (up to settle_ms after the first became due), so both share one reload.
 */
static void test_batch_window_slides(void **state)
{
	pol.settle_ms = 1000;
	F.now = 5000;
	V[1].settle = (struct timer){ 0 };
	assert_int_equal(timer_arm(&L.timers, &V[1].settle, F.now + 50), 0);
	due_range(0, 1);
	jobs_start_due(&set, on_item, on_told, on_end);
	assert_int_equal(F.njobs, 0);
	assert_true(timer_armed(&set.batch_timer));
	assert_int_equal(set.batch_timer.when, 5051);
	/* Site 1 decides 50 ms later; the window's timer fires; both go in one job. */
	F.now = 5050;
	timer_cancel(&L.timers, &V[1].settle);
	due_range(1, 2);
	F.now = 5051;
	run_loop();
	jobs_start_due(&set, on_item, on_told, on_end);
	assert_int_equal(F.njobs, 1);
	assert_int_equal(F.jobs[0].n, 2);
}

/* The window never passes settle_ms after the first site became due. */
static void test_batch_window_capped(void **state)
{
	pol.settle_ms = 200;
	F.now = 5000;
	due_range(0, 1);
	F.now = 5250;
	assert_int_equal(timer_arm(&L.timers, &V[1].settle, F.now + 50), 0);
	jobs_start_due(&set, on_item, on_told, on_end);
	assert_int_equal(F.njobs, 1);
	timer_cancel(&L.timers, &V[1].settle);
}

/* Two sites deciding in one pass must not both take an address: the first reserves it. */
static void test_reservations(void **state)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse("198.51.100.10", &a), 0);
	due(0, "198.51.100.10");
	assert_true(jobs_reserved(&set, &cfgs[1], &a, 443));
	assert_false(jobs_reserved(&set, &cfgs[0], &a, 443));   /* its own */
	assert_false(jobs_reserved(&set, &cfgs[1], &a, 8443));  /* another port */
	jobs_start_due(&set, on_item, on_told, on_end);
	/* Still reserved while its job runs, free once it ended. */
	assert_true(jobs_reserved(&set, &cfgs[1], &a, 443));
	answer(0);
	assert_false(jobs_reserved(&set, &cfgs[1], &a, 443));
}

/*
 * A batch of 8 fails as a whole and the server's words name nobody: the job narrows it down
 * round by round, the server busy all along; the bad site alone is failed, the 7 others are
 * proven, each told once, and the job ends once.
 */
static void test_narrowing_unnamed(void **state)
{
	F.bad[5] = true;
	due_range(0, 8);
	jobs_start_due(&set, on_item, on_told, on_end);
	size_t k = 0;
	while (k < F.njobs) {
		assert_true(jobs_server_busy(&set, &cfgs[0]));
		answer(k++);
		assert_true(k < 20);
	}
	assert_int_equal(F.ends, 1);
	assert_false(jobs_server_busy(&set, &cfgs[0]));
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(F.told[i], 1);
		assert_int_equal(F.outcome[i], i == 5 ? PO_FAILED : PO_PROVEN);
	}
	/* Bisection, not one site at a time: log2(8) rounds and a few more. */
	assert_true(F.njobs <= 8);
	/* Convicted without a try alone: the reason says how it was found. */
	assert_non_null(strstr(F.reason[5], "failed it with this site (narrowed down in"));
}

/* The words name the bad site: it fails at once, the others are tried again without it. */
static void test_narrowing_named(void **state)
{
	F.bad[2] = true;
	F.names = true;
	due_range(0, 6);
	jobs_start_due(&set, on_item, on_told, on_end);
	answer(0);
	/* Told at once; the others are held for the next round. */
	assert_int_equal(F.told[2], 1);
	assert_int_equal(F.outcome[2], PO_FAILED);
	assert_int_equal(F.told[0], 0);
	assert_int_equal(F.njobs, 2);
	assert_int_equal(F.jobs[1].n, 5);
	answer(1);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(F.told[i], 1);
	assert_int_equal(F.outcome[0], PO_PROVEN);
	assert_int_equal(F.ends, 1);
	assert_int_equal(F.njobs, 2);
}

/* Shutdown: the running job stopped, the operator waiting for a site told why. */
static void test_abort_tells_operator(void **state)
{
	due_range(0, 2);
	V[1].op_done = on_op;
	jobs_start_due(&set, on_item, on_told, on_end);
	jobs_abort_all(&set);
	assert_true(F.jobs[0].aborted);
	assert_int_equal(F.ops_told, 1);
	assert_string_equal(F.op_reason, "daemon stopping");
	assert_null(V[0].job);
	assert_int_equal(set.jobs_running, 0);
	assert_int_equal(F.ends, 0);
}

int main(void)
{
	setlogmask(LOG_MASK(LOG_EMERG));   /* never the host's /dev/log */
	clock_inject(fake_clock, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_job_per_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_server_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_window_slides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_window_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reservations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_narrowing_unnamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_narrowing_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_tells_operator, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
