// SPDX-License-Identifier: MIT
/* The site state machine: every transition, and sequences of them, without a daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "monitor/sites/sitefsm.h"

#define T0 1000000LL
#define AT(i) ((struct where){ .ifindex = (i), .plen = 24 })

static struct site cfg;
static struct ipaddr a200, a201;

static int setup(void **state)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "www";
	cfg.port = 443;
	cfg.on_change = ONC_REBIND;
	cfg.ntargets = 1;          /* rendered by certbind (the targets themselves are not read) */
	ipaddr_parse("192.0.2.200", &cfg.addr);
	ipaddr_parse("192.0.2.200", &a200);
	ipaddr_parse("192.0.2.201", &a201);
	return 0;
}

/* A bound rebind site (as after start-up). */
static struct sitefsm bound(void)
{
	struct sitefsm f;

	sitefsm_init(&f, &cfg, true, T0);
	assert_int_equal(sitefsm_reconcile(&f, true, AT(2), false), FA_START_INITIAL | FA_REINDEX);
	sitefsm_job_started(&f);
	sitefsm_job_verified(&f, &a200, AT(2), false, T0);
	sitefsm_job_ended(&f);
	assert_int_equal(f.state, SS_BOUND);
	return f;
}

/*
 * A failover site: absent VIP is standby (proven ready, never lost, never decided); its
 * arrival is a takeover proof; its departure a release; a failed takeover holds the VIP
 * unproven; the periodic proof moves it between bound and unverified.
 */
static void test_failover(void **state)
{
	struct sitefsm f;
	unsigned a;

	cfg.failover.track_file = "/run/vip.track";
	sitefsm_init(&f, &cfg, true, T0);
	assert_true(f.failover);
	/* Standby at start, even within the start-up grace: rendered, proven ready. */
	assert_int_equal(sitefsm_reconcile(&f, false, AT(0), true),
			 FA_START_INITIAL | FA_REINDEX | FA_FAILOVER);
	assert_int_equal(f.state, SS_STANDBY);
	assert_string_equal(sitefsm_state_name(f.state), "standby");
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_job_standby(&f, T0), FA_STATE_CHANGED | FA_FAILOVER);
	assert_int_equal(sitefsm_job_ended(&f), FA_QUEUED_GO | FA_FAILOVER);
	assert_int_equal(f.state, SS_STANDBY);
	/* Nothing decides for it, whatever on_change says. */
	assert_int_equal(sitefsm_settle(&f), 0);
	assert_int_equal(sitefsm_addr_lost(&f, T0), 0);
	/* The VIP arrives: proven at once; bound once the handshake shows it. */
	assert_int_equal(sitefsm_addr_back(&f), FA_START_INITIAL | FA_FAILOVER);
	sitefsm_job_started(&f);
	a = sitefsm_job_verified(&f, &a200, AT(2), false, T0 + 1);
	assert_true(a & FA_STATE_CHANGED);
	assert_false(a & FA_LOG_REBIND);
	assert_int_equal(f.state, SS_BOUND);
	sitefsm_job_ended(&f);
	/* The periodic proof: fails -> unverified, holds again -> bound. */
	assert_int_equal(sitefsm_probed(&f, true, T0 + 2), 0);
	assert_int_equal(f.proven_at, T0 + 2);
	assert_int_equal(sitefsm_probed(&f, false, T0 + 3), FA_STATE_CHANGED | FA_FAILOVER);
	assert_int_equal(f.state, SS_UNVERIFIED);
	assert_int_equal(sitefsm_probed(&f, true, T0 + 4), FA_STATE_CHANGED | FA_FAILOVER);
	assert_int_equal(f.state, SS_BOUND);
	/* Released: standby, no address-lost, no settle window; readiness proven. */
	a = sitefsm_addr_lost(&f, T0 + 5);
	assert_int_equal(a, FA_STATE_CHANGED | FA_FAILOVER | FA_REVERIFY_CANCEL | FA_START_INITIAL);
	assert_int_equal(f.state, SS_STANDBY);
	/* The VIP arrives during the readiness job: the takeover proof follows it. */
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_addr_back(&f), FA_FAILOVER);
	sitefsm_job_standby(&f, T0 + 6);
	assert_int_equal(sitefsm_job_ended(&f), FA_QUEUED_GO | FA_START_INITIAL | FA_FAILOVER);
	/* The takeover's proof fails: it holds the VIP, unproven (keepalived is told). */
	sitefsm_job_started(&f);
	a = sitefsm_job_failed(&f, &a200, AT(2), true, true, T0 + 7);
	assert_true(a & FA_FAILOVER);
	assert_int_equal(f.state, SS_UNVERIFIED);
	sitefsm_job_ended(&f);
	/* An unusable certificate fails it, and the track file hears of it. */
	assert_int_equal(sitefsm_cert_bad(&f, T0 + 8), FA_STATE_CHANGED | FA_FAILOVER);
	cfg.failover.track_file = NULL;
}

static void test_init(void **state)
{
	struct sitefsm f;

	sitefsm_init(&f, &cfg, true, T0);
	assert_int_equal(f.state, SS_UNBOUND);
	assert_true(ipaddr_eq(&f.cur, &a200));
	assert_int_equal(f.since, T0);
	sitefsm_init(&f, &cfg, false, T0);
	assert_int_equal(f.state, SS_FAILED);
	cfg.wildcard = true;
	sitefsm_init(&f, &cfg, true, T0);
	assert_int_equal(f.state, SS_UNVERIFIED);    /* "wildcard" once proven */
	assert_int_equal(sitefsm_reconcile(&f, false, AT(0), false), FA_START_INITIAL);
	assert_int_equal(sitefsm_settle(&f), 0);      /* a wildcard site never decides */
	cfg.wildcard = false;
}

static void test_reconcile(void **state)
{
	struct sitefsm f;

	sitefsm_init(&f, &cfg, true, T0);
	sitefsm_restore(&f, &a201, T0 - 5);
	assert_true(ipaddr_eq(&f.cur, &a201));
	assert_int_equal(f.since, T0 - 5);
	/* Absent at start: as if just lost. */
	assert_int_equal(sitefsm_reconcile(&f, false, AT(3), false), FA_SETTLE_WINDOW | FA_REINDEX);
	assert_int_equal(f.state, SS_UNBOUND);
	assert_int_equal(f.cur_ifindex, 3);
	/* A site certbind only watches (no targets): bound by its address, no job. */
	cfg.ntargets = 0;
	sitefsm_init(&f, &cfg, true, T0);
	assert_int_equal(sitefsm_reconcile(&f, true, AT(2), false), FA_REINDEX);
	assert_int_equal(f.state, SS_BOUND);
	cfg.ntargets = 1;
	/* An unusable certificate: nothing to render, but the index follows the binding. */
	sitefsm_init(&f, &cfg, false, T0);
	assert_int_equal(sitefsm_reconcile(&f, true, AT(2), false), FA_REINDEX);
	assert_int_equal(f.state, SS_FAILED);
}

static void test_lost_and_back_within_settle(void **state)
{
	struct sitefsm f = bound();

	assert_int_equal(sitefsm_addr_lost(&f, T0 + 1), FA_SETTLE_WINDOW);
	assert_int_equal(f.state, SS_UNBOUND);
	assert_int_equal(f.since, T0 + 1);
	/* Another loss restarts the window; nothing is reported yet. */
	assert_int_equal(sitefsm_addr_lost(&f, T0 + 2), FA_SETTLE_WINDOW);
	assert_false(f.lost_reported);
	assert_int_equal(sitefsm_addr_back(&f), FA_SETTLE_CANCEL | FA_LOG_QUIET);
	assert_int_equal(f.state, SS_BOUND);
	/* Back again while bound: nothing. */
	assert_int_equal(sitefsm_addr_back(&f), 0);
}

static void test_settle(void **state)
{
	struct sitefsm f = bound();

	sitefsm_addr_lost(&f, T0);
	assert_int_equal(sitefsm_settle(&f), FA_DECIDE);
	sitefsm_job_started(&f);
	/* In a job: remembered, decided when the job ends. */
	assert_int_equal(sitefsm_settle(&f), 0);
	assert_true(f.redecide);
	assert_int_equal(sitefsm_job_ended(&f), FA_QUEUED_GO | FA_DECIDE);
	assert_false(f.redecide);
	assert_int_equal(sitefsm_job_ended(&f), FA_QUEUED_GO);
	sitefsm_cert_bad(&f, T0);
	assert_int_equal(sitefsm_settle(&f), 0);
}

static void test_alert_site(void **state)
{
	struct sitefsm f;

	cfg.on_change = ONC_ALERT;
	f = bound();
	sitefsm_addr_lost(&f, T0);
	assert_int_equal(sitefsm_decided(&f, ACT_ALERT, false, T0 + 2),
			 FA_LOG_LOST | FA_ALERT_LOST | FA_REMIND_ARM | FA_STATE_CHANGED);
	assert_true(f.lost_reported);
	assert_int_equal(f.state, SS_UNBOUND);
	/* Said once per loss, not per decision. */
	assert_int_equal(sitefsm_decided(&f, ACT_ALERT, false, T0 + 3), 0);
	/* A later loss event for an already reported loss is no news. */
	assert_int_equal(sitefsm_addr_lost(&f, T0 + 4), 0);
	/* The reminder says it again, and counts. */
	assert_int_equal(sitefsm_remind(&f), FA_DECIDE | FA_REMIND_ARM);
	assert_int_equal(f.reminders, 1);
	assert_int_equal(sitefsm_decided(&f, ACT_ALERT, false, T0 + 5),
			 FA_LOG_LOST | FA_ALERT_LOST | FA_REMIND_ARM | FA_STATE_CHANGED);
	assert_int_equal(f.since, T0);     /* still the same loss */
	/* Back after a report: decided in this pass, then restored. */
	assert_int_equal(sitefsm_addr_back(&f), FA_SETTLE_NOW);
	assert_int_equal(sitefsm_decided(&f, ACT_NONE, false, T0 + 6),
			 FA_LOG_RESTORED | FA_REMIND_CANCEL | FA_STATE_CHANGED);
	assert_int_equal(f.state, SS_BOUND);
	assert_int_equal(f.reminders, 0);
	assert_false(f.lost_reported);
	/* Bound: a reminder is stale. */
	assert_int_equal(sitefsm_remind(&f), 0);
	cfg.on_change = ONC_REBIND;
}

static void test_ignore_site(void **state)
{
	struct sitefsm f;

	cfg.on_change = ONC_IGNORE;
	f = bound();
	sitefsm_addr_lost(&f, T0);
	assert_int_equal(sitefsm_decided(&f, ACT_LOG, false, T0), FA_LOG_LOST | FA_STATE_CHANGED);
	cfg.on_change = ONC_REBIND;
}

static void test_no_candidate_then_rebind(void **state)
{
	struct sitefsm f = bound();

	sitefsm_addr_lost(&f, T0);
	assert_int_equal(sitefsm_decided(&f, ACT_NO_CANDIDATE, false, T0),
			 FA_LOG_LOST | FA_LOG_NOCAND | FA_REMIND_ARM | FA_WAITLIST |
			 FA_STATE_CHANGED);
	assert_true(f.waiting);
	assert_true(f.nocand_reported);
	assert_int_equal(sitefsm_decided(&f, ACT_NO_CANDIDATE, false, T0), 0);
	/* A matching address appears: the waiting site looks again. */
	assert_int_equal(sitefsm_addr_wake(&f), FA_SETTLE_SOON);
	assert_int_equal(sitefsm_decided(&f, ACT_REBIND, false, T0), FA_START_JOB);
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_job_verified(&f, &a201, AT(2), true, T0 + 9),
			 FA_STATE_CHANGED | FA_REINDEX | FA_WAITLIST | FA_FLUSH_STATE |
			 FA_LOG_REBIND | FA_REMIND_CANCEL);
	assert_int_equal(f.state, SS_BOUND);
	assert_true(ipaddr_eq(&f.cur, &a201));
	assert_int_equal(f.since, T0 + 9);
	assert_int_equal(f.rebinds_ok, 1);
	assert_false(f.waiting);
	assert_false(f.lost_reported);
	assert_false(f.nocand_reported);
	/* Not a waiting site any more. */
	assert_int_equal(sitefsm_addr_wake(&f), 0);
}

static void test_wait_for_dad(void **state)
{
	struct sitefsm f = bound();

	sitefsm_addr_lost(&f, T0);
	assert_int_equal(sitefsm_decided(&f, ACT_WAIT, false, T0),
			 FA_LOG_LOST | FA_WAITLIST | FA_STATE_CHANGED);
	assert_false(f.nocand_reported);
	assert_true(f.waiting);
}

static void test_one_job_per_server(void **state)
{
	struct sitefsm f = bound();

	sitefsm_addr_lost(&f, T0);
	/* Another site's job runs on the same server: queued, not started. */
	assert_int_equal(sitefsm_decided(&f, ACT_REBIND, true, T0),
			 FA_LOG_LOST | FA_WAITLIST | FA_STATE_CHANGED);
	assert_true(f.queued);
	assert_int_equal(sitefsm_dequeue(&f), FA_DECIDE);
	assert_false(f.queued);
	assert_int_equal(sitefsm_dequeue(&f), 0);
	assert_int_equal(sitefsm_decided(&f, ACT_REBIND, false, T0), FA_START_JOB);
}

static void test_rebind_failed(void **state)
{
	struct sitefsm f = bound();

	sitefsm_addr_lost(&f, T0);
	sitefsm_decided(&f, ACT_REBIND, false, T0);
	sitefsm_job_started(&f);
	/* Rolled back: still unbound at the old binding, waiting for another address, and
	 * tried again after a second. */
	assert_int_equal(sitefsm_job_failed(&f, &a201, AT(2), false, true, T0 + 1),
			 FA_LOG_FAILED | FA_RETRY_ARM);
	assert_int_equal(f.retry_ms, RETRY_MIN_MS);
	assert_int_equal(f.state, SS_UNBOUND);
	assert_true(ipaddr_eq(&f.cur, &a200));
	assert_int_equal(f.rebinds_failed, 1);
	assert_true(f.waiting);
	sitefsm_job_ended(&f);
	/* on_failure = alert: the new files stay; the binding is there but failed. */
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_job_failed(&f, &a201, AT(2), false, false, T0 + 2),
			 FA_LOG_FAILED | FA_REINDEX | FA_STATE_CHANGED);
	assert_int_equal(f.state, SS_FAILED);
	assert_true(ipaddr_eq(&f.cur, &a201));
	assert_int_equal(f.since, T0 + 2);
}

/* A failed rebind is tried again: 1 s doubling to 5 min; the first proof ends it. */
static void test_failed_rebind_retried(void **state)
{
	struct sitefsm f = bound();
	unsigned want = RETRY_MIN_MS;

	sitefsm_addr_lost(&f, T0);
	sitefsm_decided(&f, ACT_REBIND, false, T0);
	for (int i = 0; i < 12; i++) {
		sitefsm_job_started(&f);
		assert_true(sitefsm_job_failed(&f, &a201, AT(2), false, true, T0) & FA_RETRY_ARM);
		assert_int_equal(f.retry_ms, want);
		assert_int_equal(sitefsm_retry(&f, false), 0);          /* still in its job */
		sitefsm_job_ended(&f);
		/* The timer fires: decide again (the loss is not reported a second time). */
		assert_int_equal(sitefsm_retry(&f, false), FA_DECIDE);
		assert_int_equal(sitefsm_decided(&f, ACT_REBIND, false, T0) & FA_LOG_LOST, 0);
		want = want >= RETRY_MAX_MS / 2 ? RETRY_MAX_MS : want * 2;
	}
	assert_int_equal(f.retry_ms, RETRY_MAX_MS);
	sitefsm_job_started(&f);
	assert_true(sitefsm_job_verified(&f, &a201, AT(2), true, T0) & FA_RETRY_CANCEL);
	assert_int_equal(f.retry_ms, 0);
	sitefsm_job_ended(&f);
	assert_int_equal(sitefsm_retry(&f, false), 0);
	/* on_failure = alert (files kept): nothing to retry. */
	struct sitefsm g = bound();
	sitefsm_addr_lost(&g, T0);
	sitefsm_decided(&g, ACT_REBIND, false, T0);
	sitefsm_job_started(&g);
	assert_int_equal(sitefsm_job_failed(&g, &a201, AT(2), false, false, T0) & FA_RETRY_ARM, 0);
}

/* Taken out of its server: failed at its old binding, retried with backoff until proven. */
static void test_disabled_site(void **state)
{
	struct sitefsm f = bound();

	sitefsm_addr_lost(&f, T0);
	sitefsm_decided(&f, ACT_REBIND, false, T0);
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_job_disabled(&f, false, T0 + 1),
			 FA_LOG_FAILED | FA_RETRY_ARM | FA_REVERIFY_CANCEL | FA_STATE_CHANGED);
	assert_int_equal(f.state, SS_FAILED);
	assert_true(f.disabled);
	assert_true(ipaddr_eq(&f.cur, &a200));
	sitefsm_job_ended(&f);
	/* Its address is gone: decide (rebind); here: render again where it is. */
	assert_int_equal(sitefsm_retry(&f, false), FA_DECIDE);
	assert_int_equal(sitefsm_retry(&f, true), FA_START_INITIAL);
	/* Still refused: failed again, later again. */
	sitefsm_job_started(&f);
	assert_true(sitefsm_job_failed(&f, &a201, AT(2), true, true, T0 + 2) & FA_RETRY_ARM);
	assert_int_equal(f.retry_ms, 2 * RETRY_MIN_MS);
	assert_int_equal(f.state, SS_FAILED);
	sitefsm_job_ended(&f);
	sitefsm_job_started(&f);
	assert_true(sitefsm_job_verified(&f, &a201, AT(2), true, T0 + 3) & FA_RETRY_CANCEL);
	assert_false(f.disabled);
	assert_int_equal(f.state, SS_BOUND);
}

static void test_initial_jobs(void **state)
{
	struct sitefsm f;

	sitefsm_init(&f, &cfg, true, T0);
	sitefsm_reconcile(&f, true, AT(2), false);
	/* Present at start: not "bound" before a handshake says so. */
	assert_int_equal(f.state, SS_UNVERIFIED);
	sitefsm_job_started(&f);
	/* A start-up failure is reported once, stays unverified, and is proven again later. */
	assert_int_equal(sitefsm_job_failed(&f, &a200, AT(2), true, true, T0),
			 FA_LOG_FAILED | FA_REVERIFY_ARM);
	assert_int_equal(f.rebinds_failed, 0);
	assert_int_equal(f.state, SS_UNVERIFIED);
	assert_int_equal(f.reverify_ms, REVERIFY_MIN_MS);
	assert_int_equal(sitefsm_reverify(&f), 0);          /* still in its job */
	sitefsm_job_ended(&f);
	assert_int_equal(sitefsm_reverify(&f), FA_START_INITIAL);
	/* Retries fail quietly, backing off to at most 5 minutes. */
	for (int i = 0; i < 12; i++) {
		sitefsm_job_started(&f);
		assert_int_equal(sitefsm_job_failed(&f, &a200, AT(2), true, true, T0), FA_REVERIFY_ARM);
		sitefsm_job_ended(&f);
	}
	assert_int_equal(f.reverify_ms, REVERIFY_MAX_MS);
	/* Proven at last: bound, and said so. */
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_job_verified(&f, &a200, AT(2), false, T0 + 1) &
			 (FA_LOG_VERIFIED | FA_REVERIFY_CANCEL), FA_LOG_VERIFIED | FA_REVERIFY_CANCEL);
	assert_int_equal(f.state, SS_BOUND);
	assert_int_equal(f.reverify_ms, 0);
	assert_int_equal(sitefsm_reverify(&f), 0);
	sitefsm_job_ended(&f);
	/* Files unchanged at the same binding: no event; rewritten: "rendered". */
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_job_verified(&f, &a200, AT(2), false, T0) & (FA_LOG_RENDERED |
			 FA_LOG_REBIND), 0);
	assert_int_equal(sitefsm_job_verified(&f, &a200, AT(2), true, T0) & (FA_LOG_RENDERED |
			 FA_LOG_REBIND), FA_LOG_RENDERED);
	assert_int_equal(f.rebinds_ok, 0);
}

static void test_cert_bad(void **state)
{
	struct sitefsm f = bound();

	assert_int_equal(sitefsm_cert_bad(&f, T0 + 7), FA_STATE_CHANGED);
	assert_int_equal(f.state, SS_FAILED);
	assert_false(f.cert_ok);
	assert_int_equal(f.since, T0 + 7);
	/* A failed site takes no part in address changes. */
	assert_int_equal(sitefsm_addr_lost(&f, T0 + 8), 0);
	assert_int_equal(sitefsm_addr_back(&f), 0);
}

/* Issue "converge after anything" #2/#3: an expired certificate replaced on disk. */
static void test_cert_replaced_recovers(void **state)
{
	struct sitefsm f = bound();

	sitefsm_cert_bad(&f, T0 + 1);                 /* expired */
	assert_int_equal(sitefsm_settle(&f), 0);      /* skipped while failed */
	/* Replaced while its address is there: proven again at the binding. */
	assert_int_equal(sitefsm_cert_good(&f, true, AT(2), T0 + 2),
			 FA_STATE_CHANGED | FA_START_INITIAL | FA_REINDEX);
	assert_true(f.cert_ok);
	assert_int_equal(f.state, SS_UNVERIFIED);
	assert_int_equal(f.since, T0 + 2);
	/* A second "good" is no news. */
	assert_int_equal(sitefsm_cert_good(&f, true, AT(2), T0 + 3), 0);
	/* Replaced while its address is gone: as if just lost (a rebind follows the settle). */
	sitefsm_cert_bad(&f, T0 + 4);
	assert_int_equal(sitefsm_cert_good(&f, false, AT(0), T0 + 5),
			 FA_STATE_CHANGED | FA_SETTLE_WINDOW | FA_REINDEX);
	assert_int_equal(f.state, SS_UNBOUND);
	assert_int_equal(sitefsm_settle(&f), FA_DECIDE);
	assert_int_equal(sitefsm_decided(&f, ACT_REBIND, false, T0 + 6) & FA_START_JOB, FA_START_JOB);
}

/* Issue "converge after anything" #4: an edit keeps the live binding. */
static void test_edit_keeps_binding(void **state)
{
	struct sitefsm old = bound(), f;

	/* Rebound .200 -> .201. */
	sitefsm_addr_lost(&old, T0 + 1);
	sitefsm_decided(&old, ACT_REBIND, false, T0 + 1);
	sitefsm_job_started(&old);
	sitefsm_job_verified(&old, &a201, AT(2), true, T0 + 2);
	sitefsm_job_ended(&old);
	/* (a) .200 is back, .201 still there: the site stays on .201. */
	sitefsm_init(&f, &cfg, true, T0 + 9);
	assert_true(ipaddr_eq(&f.cur, &a200));        /* what the policy says ... */
	assert_int_equal(sitefsm_carry(&f, &old, true, AT(2)), FA_START_INITIAL | FA_REINDEX);
	assert_true(ipaddr_eq(&f.cur, &a201));        /* ... but the live binding stays */
	assert_int_equal(f.state, SS_UNVERIFIED);     /* proven again with the new settings */
	assert_int_equal(f.since, T0 + 2);
	assert_int_equal(f.rebinds_ok, 1);            /* counters are not inflated or lost */
	/* (b) .201 lost and reported before the edit: no second address-lost, decided again. */
	sitefsm_addr_lost(&old, T0 + 3);
	sitefsm_decided(&old, ACT_NO_CANDIDATE, false, T0 + 3);
	sitefsm_init(&f, &cfg, true, T0 + 9);
	assert_int_equal(sitefsm_carry(&f, &old, false, AT(0)),
			 FA_REINDEX | FA_SETTLE_NOW | FA_REMIND_ARM);
	assert_true(f.lost_reported);
	assert_true(f.nocand_reported);
	assert_int_equal(sitefsm_decided(&f, ACT_NO_CANDIDATE, false, T0 + 9) &
			 (FA_LOG_LOST | FA_LOG_NOCAND), 0);
	/* An unusable certificate in the edit: the binding is kept, the site fails. */
	sitefsm_init(&f, &cfg, false, T0 + 9);
	assert_int_equal(sitefsm_carry(&f, &old, true, AT(2)), FA_REINDEX);
	assert_int_equal(f.state, SS_FAILED);
	assert_true(ipaddr_eq(&f.cur, &a201));
}

/* Issue "converge after anything" #1: a crash mid-rebind leaves the state file's binding. */
static void test_restart_after_crash(void **state)
{
	struct sitefsm f;

	/* The state file still says .200 (the rebind to .201 was never committed). */
	sitefsm_init(&f, &cfg, true, T0);
	sitefsm_restore(&f, &a200, T0 - 60);
	/* .200 is gone: as if just lost; the decision will rebind (and the job proves it). */
	assert_int_equal(sitefsm_reconcile(&f, false, AT(0), false), FA_SETTLE_WINDOW | FA_REINDEX);
	assert_int_equal(sitefsm_settle(&f), FA_DECIDE);
	assert_int_equal(sitefsm_decided(&f, ACT_REBIND, false, T0 + 1) & FA_START_JOB, FA_START_JOB);
	sitefsm_job_started(&f);
	assert_int_equal(sitefsm_job_verified(&f, &a201, AT(2), false, T0 + 5) & FA_LOG_REBIND,
			 FA_LOG_REBIND);
	assert_int_equal(f.state, SS_BOUND);
	assert_true(ipaddr_eq(&f.cur, &a201));
}

/* startup_grace_ms: an address that arrives late at boot is awaited, not lost. */
static void test_startup_grace(void **state)
{
	struct sitefsm f;

	sitefsm_init(&f, &cfg, true, T0);
	assert_int_equal(sitefsm_reconcile(&f, false, AT(0), true), FA_SETTLE_GRACE | FA_REINDEX);
	assert_int_equal(f.state, SS_WAITING);
	assert_int_equal(sitefsm_addr_lost(&f, T0), 0);
	/* It arrives (DHCP): rendered and proven, no alarm. */
	assert_int_equal(sitefsm_addr_back(&f), FA_SETTLE_CANCEL | FA_STATE_CHANGED | FA_START_INITIAL);
	assert_int_equal(f.state, SS_UNVERIFIED);
	assert_false(f.lost_reported);
	/* It never arrives: once the grace is over, it is lost like any other. */
	sitefsm_init(&f, &cfg, true, T0);
	sitefsm_reconcile(&f, false, AT(0), true);
	assert_int_equal(sitefsm_settle(&f), FA_DECIDE);
	assert_int_equal(f.state, SS_UNBOUND);
	assert_int_equal(sitefsm_decided(&f, ACT_NO_CANDIDATE, false, T0) & FA_LOG_LOST, FA_LOG_LOST);
}

static void test_state_names(void **state)
{
	assert_string_equal(sitefsm_state_name(SS_UNVERIFIED), "unverified");
	assert_string_equal(sitefsm_state_name(SS_WAITING), "waiting");
	assert_string_equal(sitefsm_state_name(SS_BOUND), "bound");
	assert_string_equal(sitefsm_state_name(SS_UNBOUND), "unbound");
	assert_string_equal(sitefsm_state_name(SS_FAILED), "failed");
	assert_string_equal(sitefsm_state_name(SS_WILDCARD), "wildcard");
}

/* Every change of state is handed to the executor once, with where from and why; a change
 * undone before it looks (lost, back within settle_ms) is no change. */
static void test_moves_said_once(void **state)
{
	struct sitefsm f = bound();
	enum site_state from;
	const char *why;

	(void)sitefsm_take_move(&f, &from, &why);
	assert_false(sitefsm_take_move(&f, &from, &why));
	sitefsm_addr_lost(&f, T0 + 10);
	assert_true(sitefsm_take_move(&f, &from, &why));
	assert_int_equal(from, SS_BOUND);
	assert_int_equal(f.state, SS_UNBOUND);
	assert_non_null(strstr(why, "went away"));
	assert_int_equal(f.since, T0 + 10);
	assert_false(sitefsm_take_move(&f, &from, &why));
	/* Back within settle_ms before anyone looked: bound -> unbound -> bound is no change. */
	f = bound();
	(void)sitefsm_take_move(&f, &from, &why);
	sitefsm_addr_lost(&f, T0 + 10);
	sitefsm_addr_back(&f);
	assert_false(sitefsm_take_move(&f, &from, &why));
	assert_int_equal(f.state, SS_BOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init, setup),
		cmocka_unit_test_setup(test_moves_said_once, setup),
		cmocka_unit_test_setup(test_reconcile, setup),
		cmocka_unit_test_setup(test_lost_and_back_within_settle, setup),
		cmocka_unit_test_setup(test_settle, setup),
		cmocka_unit_test_setup(test_alert_site, setup),
		cmocka_unit_test_setup(test_ignore_site, setup),
		cmocka_unit_test_setup(test_no_candidate_then_rebind, setup),
		cmocka_unit_test_setup(test_wait_for_dad, setup),
		cmocka_unit_test_setup(test_one_job_per_server, setup),
		cmocka_unit_test_setup(test_rebind_failed, setup),
		cmocka_unit_test_setup(test_failed_rebind_retried, setup),
		cmocka_unit_test_setup(test_disabled_site, setup),
		cmocka_unit_test_setup(test_initial_jobs, setup),
		cmocka_unit_test_setup(test_cert_bad, setup),
		cmocka_unit_test_setup(test_cert_replaced_recovers, setup),
		cmocka_unit_test_setup(test_edit_keeps_binding, setup),
		cmocka_unit_test_setup(test_restart_after_crash, setup),
		cmocka_unit_test_setup(test_startup_grace, setup),
		cmocka_unit_test_setup(test_state_names, setup),
		cmocka_unit_test_setup(test_failover, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
