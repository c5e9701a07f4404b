// SPDX-License-Identifier: MIT
/* The executor (act, jobs, outcome, the state machine) run for real on address events. */
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
#include "monitor/report/alert.h"
#include "monitor/sites/act.h"
#include "monitor/sites/addrevent.h"
#include "monitor/sites/certwatch.h"
#include "monitor/sites/defaults.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/issue.h"
#include "monitor/sites/jobs.h"
#include "monitor/sites/outcome.h"
#include "monitor/sites/stale.h"
#include "monitor/sites/statefile.h"

#define N 6
#define IFINDEX 2

/*
 * Fakes, at link time, for what reaches outside the executor: the pipeline (a job the test
 * answers), the issue command, certificate files, the state file, alert commands, failover,
 * default bindings and stale listeners. The executor, jobs, outcomes, the state machine, the
 * decision, the address table and the index are the real ones.
 */
struct fjob {
	struct pipe_item *items;
	size_t n;
	pipe_done_fn done;
	void *arg;
};

static struct {
	uint64_t now;
	struct fjob jobs[32];
	size_t njobs, answered;
	unsigned flushes;
	char alerts[512];            /* "event:site " as alert_run was asked */
	bool fail[N];                /* the server fails this site's proof */
	enum issue_need need;        /* what issue_check says */
	unsigned issues_started, commits;
	struct siteinfo *issuing;
	struct ipaddr issue_to;
	issue_done_fn issue_done;
} F;

static struct site cfgs[N];
static struct target tgts[N];
static struct server_cfg srv;
static struct policy pol;
static struct sites set;
static struct loop L;
static struct addrtab *tab;

/* --- the pipeline --- */
struct pipe_job *pipe_start(const struct pipe_env *env, const struct server *s,
			    struct pipe_item *items, size_t n, pipe_done_fn done, void *arg)
{
	assert_true(F.njobs < 32);
	F.jobs[F.njobs++] = (struct fjob){ .items = items, .n = n, .done = done, .arg = arg };
	return (struct pipe_job *)&F.jobs[F.njobs - 1];
}
void pipe_abort(struct pipe_job *j) {}

/* --- the issue command --- */
enum issue_need issue_check(struct siteinfo *si, const struct ipaddr *to, struct certinfo *ci,
			    char *why, size_t len)
{
	memset(ci, 0, sizeof(*ci));
	snprintf(why, len, "no certificate for the address yet");
	return F.need;
}
int issue_start(struct siteinfo *si, const struct ipaddr *to, const struct ipaddr *old,
		bool forced, issue_done_fn done)
{
	F.issues_started++;
	F.issuing = si;
	F.issue_to = *to;
	F.issue_done = done;
	return 0;
}
void issue_arm(struct siteinfo *si, void (*due)(struct siteinfo *si)) {}
void issue_commit_pending(struct siteinfo *si)
{
	F.commits++;
	si->pending = (struct certinfo){ 0 };
}
void issue_drop_pending(struct siteinfo *si) { si->pending = (struct certinfo){ 0 }; }
void issue_hold(struct siteinfo *si, const struct certinfo *ci, const struct ipaddr *to)
{
	si->pending = *ci;
	si->pending_for = *to;
}

/* --- certificates, state file, alerts, failover, defaults, stale listeners --- */
int certwatch_recheck(struct siteinfo *si, bool *changed) { return 0; }
void certwatch_changed(struct siteinfo *si) {}
int statefile_flush(struct sites *s)
{
	F.flushes++;
	return 0;
}
void alert_run(struct alerter *a, const struct site *s, const char *event, const char *old,
	       const char *new, const char *reason)
{
	size_t n = strlen(F.alerts);
	snprintf(F.alerts + n, sizeof(F.alerts) - n, "%s:%s ", event, s->name);
}
void failover_changed(struct siteinfo *si) {}
bool failover_issues_on_takeover(const struct siteinfo *si) { return false; }
void failover_vip_arrived(struct siteinfo *si) {}
bool failover_reload_first(const struct siteinfo *si, const struct ipaddr *vip, bool standby)
{
	return false;
}
void failover_job_done(struct siteinfo *si, const struct pipe_item *it, bool vip_here) {}
void defaults_check(struct sites *s, const struct addrent *e) {}
void defaults_forget(struct sites *s, const struct ipaddr *a) {}
void stale_addresses_changed(struct sites *s) {}

/* --- the world --- */
static uint64_t fake_clock(void) { return F.now; }

/* One loop pass: due timers fired, then the jobs of the pass started (as daemon.c does). */
static void pass(void)
{
	while (timer_run(&L.timers, F.now))
		;
	outcome_pass_end(&set);
}

/* The server answers every job started so far: proven, unless the test fails the site. */
static void answer_all(void)
{
	while (F.answered < F.njobs) {
		struct fjob *fj = &F.jobs[F.answered++];
		struct pipe_report r = { .reloaded = true, .reload_ms = 5, .words = "" };
		for (size_t i = 0; i < fj->n; i++) {
			struct pipe_item *it = &fj->items[i];
			bool bad = F.fail[it->site - cfgs];
			it->outcome = bad ? PO_FAILED : PO_PROVEN;
			it->rewrote = true;
			it->rolled_back = bad;
			if (bad)
				snprintf(it->reason, sizeof(it->reason), "handshake failed");
		}
		fj->done(fj->arg, fj->items, fj->n, &r);
	}
}

static void addr(const char *a, bool add)
{
	struct addrent e = { .ifindex = IFINDEX, .prefixlen = 24 };
	enum addr_change chg = AC_GONE;

	assert_int_equal(ipaddr_parse(a, &e.ip), 0);
	if (add) {
		assert_int_equal(addrtab_upsert(tab, &e, &chg), 0);
		addrevent_address(&set, &e, chg);
	} else {
		addrtab_remove(tab, &e.ip, IFINDEX, &chg);
		addrevent_address(&set, &e, AC_GONE);
	}
}

static const char *bound_to(size_t i)
{
	static char buf[IPADDR_STRLEN];
	return ipaddr_str(&set.v[i].fsm.cur, buf, sizeof(buf));
}

static int setup(void **state)
{
	static char names[N][8], outs[N][32];

	memset(&F, 0, sizeof(F));
	memset(&L, 0, sizeof(L));
	L.epfd = -1;
	F.now = 1000;
	F.need = IN_OK;
	srv = (struct server_cfg){ .name = "web", .type = SRV_NGINX, .reload_timeout_ms = 10000 };
	pol = (struct policy){ .settle_ms = 100, .sites = cfgs, .nsites = N };
	tab = addrtab_new();
	assert_non_null(tab);
	assert_int_equal(addrtab_link_set(tab, IFINDEX, "veth0", 0), 0);
	memset(&set, 0, sizeof(set));
	set = (struct sites){ .L = &L, .tab = tab, .pol = &pol, .env = { .L = &L },
			      .apply = act_apply };
	set.v = calloc(N, sizeof(*set.v));
	set.n = N;
	assert_non_null(set.v);
	/* Sites 0-3 rebind, 4 alerts; all on server "web", each with one file to render. */
	for (size_t i = 0; i < N; i++) {
		char a[32];
		snprintf(names[i], sizeof(names[i]), "s%zu", i);
		snprintf(outs[i], sizeof(outs[i]), "/nonexistent/s%zu.conf", i);
		snprintf(a, sizeof(a), "192.0.2.%zu", 10 + i);
		tgts[i] = (struct target){ .type = TGT_NGINX, .output = outs[i] };
		cfgs[i] = (struct site){ .name = names[i], .port = 443, .verify = true,
					 .on_change = i == 4 ? ONC_ALERT : ONC_REBIND,
					 .on_failure = ONF_ROLLBACK, .san_check = SAN_OFF,
					 .targets = &tgts[i], .ntargets = 1, .server = &srv,
					 .server_type = SRV_NGINX, .alert_priority = LOG_ERR,
					 .follow = { .family = AF_UNSPEC } };
		assert_int_equal(ipaddr_parse(a, &cfgs[i].addr), 0);
	}
	/* Site 5 issues its own certificate. */
	static char *issue_argv[] = { "uacme", NULL };
	cfgs[5].issue.command = issue_argv;
	for (size_t i = 0; i < N; i++) {
		struct addrent e = { .ifindex = IFINDEX, .prefixlen = 24, .ip = cfgs[i].addr };
		enum addr_change chg;
		assert_int_equal(addrtab_upsert(tab, &e, &chg), 0);
	}
	assert_int_equal(siteindex_init(&set.index, set.n), 0);
	for (size_t i = 0; i < N; i++) {
		struct siteinfo *si = &set.v[i];
		si->set = &set;
		si->cfg = &cfgs[i];
		act_site_init(si);
		sitefsm_init(&si->fsm, si->cfg, true, 1000);
		assert_int_equal(siteindex_update(&set.index, si), 0);
	}
	/* Start-up: every site reconciled, its binding proven by one job for the server. */
	for (size_t i = 0; i < N; i++) {
		struct siteinfo *si = &set.v[i];
		const struct addrent *e = addrtab_find_usable(tab, &si->fsm.cur, 0);
		act_apply(si, sitefsm_reconcile(&si->fsm, true, addrent_where(e), false));
	}
	pass();
	assert_int_equal(F.njobs, 1);
	assert_int_equal(F.jobs[0].n, N);
	answer_all();
	for (size_t i = 0; i < N; i++)
		assert_int_equal(set.v[i].fsm.state, SS_BOUND);
	/* Nothing moved: the state file waits for the daemon's coalesced write. */
	assert_int_equal(F.flushes, 0);
	return 0;
}

static int teardown(void **state)
{
	jobs_free(&set);
	free(set.due);
	free(set.tells);
	siteindex_free(&set.index);
	addrtab_free(tab);
	timerheap_free(&L.timers);
	free(set.v);
	return 0;
}

/*
 * A renumbering: three sites' addresses replaced by others in their subnet. After settle_ms
 * each decides, all three join one job (one reload), each moves to a free address, the state
 * is written once for the round.
 */
static void test_renumbering_one_job(void **state)
{
	addr("192.0.2.110", true);
	addr("192.0.2.111", true);
	addr("192.0.2.112", true);
	for (size_t i = 0; i < 3; i++) {
		char a[32];
		snprintf(a, sizeof(a), "192.0.2.%zu", 10 + i);
		addr(a, false);
	}
	pass();
	assert_int_equal(F.njobs, 1);   /* the settle window runs */
	F.now += 100;
	pass();
	assert_int_equal(F.njobs, 2);
	assert_int_equal(F.jobs[1].n, 3);
	/* No two sites took the same address. */
	for (size_t i = 0; i < 3; i++)
		for (size_t k = i + 1; k < 3; k++)
			assert_false(ipaddr_eq(&F.jobs[1].items[i].to, &F.jobs[1].items[k].to));
	answer_all();
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(set.v[i].fsm.state, SS_BOUND);
		assert_non_null(strstr(bound_to(i), "192.0.2.11"));
		assert_string_equal(set.v[i].last_event, "rebind");
	}
	assert_int_equal(F.flushes, 1);
	assert_string_equal(bound_to(3), "192.0.2.13");
}

/* An address gone and back within settle_ms: nothing decided, no job, still bound there. */
static void test_back_within_settle(void **state)
{
	addr("192.0.2.10", false);
	pass();
	F.now += 50;
	addr("192.0.2.10", true);
	F.now += 100;
	pass();
	assert_int_equal(F.njobs, 1);
	assert_int_equal(set.v[0].fsm.state, SS_BOUND);
	assert_string_equal(bound_to(0), "192.0.2.10");
	assert_string_equal(F.alerts, "");
}

/* on_change = alert: the loss is said (and the alert command run), nothing is rebound. */
static void test_alert_site(void **state)
{
	addr("192.0.2.200", true);
	addr("192.0.2.14", false);
	F.now += 100;
	pass();
	assert_int_equal(F.njobs, 1);
	assert_int_equal(set.v[4].fsm.state, SS_UNBOUND);
	assert_non_null(strstr(F.alerts, "address-lost:s4"));
	assert_string_equal(set.v[4].last_event, "address-lost");
}

/* No candidate: the site waits; the first matching address to appear wakes it. */
static void test_waits_for_candidate(void **state)
{
	/* Every other address of the subnet belongs to a site: nothing free for s0. */
	addr("192.0.2.10", false);
	F.now += 100;
	pass();
	assert_int_equal(F.njobs, 1);
	assert_int_equal(set.v[0].fsm.state, SS_UNBOUND);
	assert_true(set.v[0].fsm.waiting);
	assert_string_equal(set.v[0].last_event, "no-candidate");
	assert_ptr_equal(set.waiting, &set.v[0]);
	addr("192.0.2.77", true);
	F.now += 100;
	pass();
	assert_int_equal(F.njobs, 2);
	answer_all();
	assert_string_equal(bound_to(0), "192.0.2.77");
	assert_null(set.waiting);
}

/*
 * A failed rebind: files back, the site unbound; the retry timer brings the next attempt (1 s),
 * which succeeds. The other site of the same round is not held back.
 */
static void test_failed_rebind_retried(void **state)
{
	addr("192.0.2.110", true);
	addr("192.0.2.111", true);
	addr("192.0.2.10", false);
	addr("192.0.2.11", false);
	F.now += 100;
	pass();
	assert_int_equal(F.njobs, 2);
	F.fail[0] = true;
	answer_all();
	/* Rolled back: unbound (its old address is gone), waiting, and tried again. */
	assert_int_equal(set.v[0].fsm.state, SS_UNBOUND);
	assert_int_equal(set.v[0].fsm.rollbacks, 1);
	assert_int_equal(set.v[1].fsm.state, SS_BOUND);
	assert_string_equal(set.v[0].last_event, "rebind-failed");
	assert_true(timer_armed(&set.v[0].retry));
	F.fail[0] = false;
	F.now += 999;
	pass();
	assert_int_equal(F.njobs, 2);
	F.now += 1;
	pass();
	pass();
	assert_int_equal(F.njobs, 3);
	answer_all();
	assert_int_equal(set.v[0].fsm.state, SS_BOUND);
	assert_int_equal(set.v[0].fsm.rebinds_failed, 1);
}

/*
 * A site that issues its own certificate: the move waits for the issue command, then the job
 * proves the new certificate, which is committed only once proven.
 */
static void test_issue_before_rebind(void **state)
{
	F.need = IN_ISSUE;
	addr("192.0.2.150", true);
	addr("192.0.2.15", false);
	F.now += 100;
	pass();
	assert_int_equal(F.issues_started, 1);
	assert_ptr_equal(F.issuing, &set.v[5]);
	assert_int_equal(F.njobs, 1);       /* no job before the certificate */
	assert_true(set.v[5].fsm.busy);
	/* Issued: the certificate for the new address is pending. */
	set.v[5].pending.leaf = (X509 *)&F;   /* never read: san_check is off */
	set.v[5].pending.sha256[0] = 0xab;
	set.v[5].pending_for = F.issue_to;
	F.issue_done(&set.v[5], true, NULL);
	pass();
	assert_int_equal(F.njobs, 2);
	assert_int_equal(F.jobs[1].items[0].sha256[0], 0xab);
	assert_true(F.jobs[1].items[0].force_reload);
	answer_all();
	assert_int_equal(F.commits, 1);
	assert_string_equal(bound_to(5), "192.0.2.150");
}

int main(void)
{
	setlogmask(LOG_MASK(LOG_EMERG));   /* never the host's /dev/log */
	clock_inject(fake_clock, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_renumbering_one_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_within_settle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_site, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waits_for_candidate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_rebind_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_before_rebind, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
