// SPDX-License-Identifier: MIT
/* The proofs of a job run for real against a fake TLS endpoint the test answers, and a clock. */
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
#include "monitor/rebind/prove.h"
#include "monitor/rebind/targets.h"
#include "monitor/rebind/tlsprobe.h"
#include "monitor/rebind/trust.h"
#include "netlink/listeners.h"

#define N 2

/*
 * Fakes at link time for the network (tlsprobe: an endpoint that answers when the test says;
 * inet_diag only where a test gives the prover one, else each site goes to its handshake at
 * once), the loop's fd watches, target files and trust stores. The prover, its timers and its queue are the real ones.
 */
struct tlsprobe { int i; };

static struct {
	uint64_t now;
	struct tlsprobe probes[N];
	struct watcher *watch[N];
	int answer[N];              /* tlsprobe_step: 0 in progress, 1 done, -1 failed */
	unsigned dump_ms, dumps;    /* what a listener dump costs (on the clock), how many ran */
	bool listening;             /* the new sockets exist */
	unsigned settled[N];
	bool ok[N];
} F;

static struct pipe_item items[N];
static struct site sites[N];
static struct loop L;
static struct prover P;

struct tlsprobe *tlsprobe_start(SSL_CTX *ctx, const struct ipaddr *a, unsigned port,
				const char *sni)
{
	for (int i = 0; i < N; i++)
		if (ipaddr_eq(a, &items[i].to)) {
			F.probes[i].i = i;
			return &F.probes[i];
		}
	return NULL;
}
int tlsprobe_fd(const struct tlsprobe *p) { return 100 + p->i; }
uint32_t tlsprobe_events(const struct tlsprobe *p) { return 1; }
int tlsprobe_step(struct tlsprobe *p, unsigned char sha256[32])
{
	memcpy(sha256, items[p->i].sha256, 32);
	return F.answer[p->i];
}
const char *tlsprobe_error(const struct tlsprobe *p) { return "connection reset"; }
int tlsprobe_verify_chain(const struct tlsprobe *p, X509_STORE *store, const struct ipaddr *a,
			  char *why, size_t len)
{
	return 0;
}
void tlsprobe_free(struct tlsprobe *p) {}
X509_STORE *trust_store(const char *ca_file, char *why, size_t len) { return NULL; }
int listeners_dump(struct listeners *l, struct listener **out, size_t *n)
{
	F.dumps++;
	F.now += F.dump_ms;
	*out = NULL;
	*n = 0;
	return 0;
}
bool listeners_serve(const struct listener *v, size_t n, const struct ipaddr *a, unsigned port)
{
	return F.listening;
}
bool targets_created(const struct pipe_item *it) { return false; }
void loop_watch(struct loop *l, struct watcher *w, uint32_t events)
{
	F.watch[((struct pipe_item *)w->arg) - items] = w;
}
void loop_unwatch(struct loop *l, struct watcher *w)
{
	F.watch[((struct pipe_item *)w->arg) - items] = NULL;
}
void loop_rewatch(struct loop *l, struct watcher *w, uint32_t events) {}

static uint64_t fake_clock(void) { return F.now; }

static void on_settled(void *arg, struct pipe_item *it, bool ok)
{
	F.settled[it - items]++;
	F.ok[it - items] = ok;
}

/* The clock moves on to t; due timers fire. */
static void at(uint64_t t)
{
	F.now = t;
	while (timer_run(&L.timers, F.now))
		;
}

/* The endpoint of item i answers now. */
static void answers(int i)
{
	F.answer[i] = 1;
	assert_non_null(F.watch[i]);
	F.watch[i]->cb(F.watch[i]->arg, 1);
}

static int setup(void **state)
{
	struct pipe_env env = { .L = &L };

	memset(&F, 0, sizeof(F));
	memset(&L, 0, sizeof(L));
	L.epfd = -1;
	F.now = 1000;
	for (int i = 0; i < N; i++) {
		char a[32];
		static char names[N][8];
		snprintf(names[i], sizeof(names[i]), "s%d", i);
		snprintf(a, sizeof(a), "198.51.100.%d", 20 + i);
		sites[i] = (struct site){ .name = names[i], .port = 443, .verify = true,
					  .verify_timeout_ms = 3000 };
		items[i] = (struct pipe_item){ .site = &sites[i], .outcome = PO_PENDING };
		assert_int_equal(ipaddr_parse(a, &items[i].to), 0);
		memset(items[i].sha256, 0x40 + i, 32);
	}
	prove_init(&P, &env, items, N, on_settled, NULL);
	return 0;
}

static int teardown(void **state)
{
	prove_stop(&P);
	timerheap_free(&L.timers);
	return 0;
}

/* Proven when the endpoint shows the site's certificate. */
static void test_proven(void **state)
{
	prove_start(&P, &items[0], false);
	at(1000);
	answers(0);
	assert_int_equal(F.settled[0], 1);
	assert_true(F.ok[0]);
}

/* No answer within verify.timeout_ms: failed, and the reason says so. */
static void test_no_answer_times_out(void **state)
{
	prove_start(&P, &items[0], false);
	at(1000);
	at(3999);
	assert_int_equal(F.settled[0], 0);
	at(4000);
	assert_int_equal(F.settled[0], 1);
	assert_false(F.ok[0]);
	assert_string_equal(items[0].reason,
			    "verification of 198.51.100.20:443 failed within 3000 ms: no answer");
}

/*
 * After a reload of a large configuration (a listener grace of 4x the check), the new
 * sockets listen before the new workers answer: a handshake tried at once is not failed
 * before the grace and its verify timeout have passed (10,000 nginx blocks: the first 32
 * handshakes failed after 3 s and the rollback cost three more reloads).
 */
static void test_grace_covers_a_slow_answer(void **state)
{
	P.listen_grace_ms = 10000;
	prove_start(&P, &items[0], false);
	prove_start(&P, &items[1], false);
	at(1000);
	at(5000);
	assert_int_equal(F.settled[0], 0);
	answers(0);
	assert_int_equal(F.settled[0], 1);
	assert_true(F.ok[0]);
	/* The other never answers: failed once the grace and its timeout are over. */
	at(13999);
	assert_int_equal(F.settled[1], 0);
	at(14000);
	assert_int_equal(F.settled[1], 1);
	assert_false(F.ok[1]);
}

/* Waits for the listener with dumps costing dump_ms each, for 10 s: how many dumps ran. */
static unsigned dumps_in_10s(unsigned dump_ms)
{
	F.dump_ms = dump_ms;
	P.listeners = (struct listeners *)&F;     /* inet_diag is there (faked) */
	P.listen_grace_ms = 20000;
	prove_start(&P, &items[0], false);
	for (uint64_t t = 1000; t <= 11000; t += 10)
		at(t > F.now ? t : F.now);
	assert_int_equal(F.settled[0], 0);
	return F.dumps;
}

/* A cheap dump (a few sockets) is repeated every 50 ms; a costly one (20,000 sockets during a
 * large reload) so that dumping takes at most a tenth of the wait. */
static void test_listener_polls_by_cost(void **state)
{
	unsigned cheap = dumps_in_10s(0);

	assert_in_range(cheap, 190, 202);
	teardown(state);
	setup(state);
	unsigned costly = dumps_in_10s(50);
	assert_in_range(costly, 28, 40);   /* every 250 ms (the cap) plus its 50 ms */
	/* The listener appears: found at the next dump, then the handshake. */
	F.listening = true;
	at(F.now + 600);
	assert_non_null(F.watch[0]);
	answers(0);
	assert_true(F.ok[0]);
}

int main(void)
{
	setlogmask(LOG_MASK(LOG_EMERG));   /* never the host's /dev/log */
	clock_inject(fake_clock, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_proven, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_answer_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grace_covers_a_slow_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_polls_by_cost, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
