// SPDX-License-Identifier: MIT
/* Site state transitions: each says what changed and which actions it asks for. */
#include "monitor/sites/sitefsm.h"

#include <string.h>

const char *sitefsm_state_name(enum site_state s)
{
	switch (s) {
	case SS_BOUND: return "bound";
	case SS_UNBOUND: return "unbound";
	case SS_FAILED: return "failed";
	case SS_WILDCARD: return "wildcard";
	case SS_UNVERIFIED: return "unverified";
	case SS_WAITING: return "waiting";
	case SS_STANDBY: return "standby";
	}
	return "?";
}

/* since is not touched (a start-up's restored binding keeps its time) */
#define KEEP_SINCE (-1LL)

/*
 * Every change of a site's state goes through here (networkd's link_set_state): since is
 * when the new state began (unless KEEP_SINCE), and the change with its why waits for the
 * executor to log it (sitefsm_take_move). Whether the change is reported (FA_STATE_CHANGED:
 * state file, status, metrics) is the transition's decision: a loss inside the settle window
 * is not, until it is decided.
 */
static void move_state(struct sitefsm *f, enum site_state s, long long now, const char *why)
{
	if (f->state == s)
		return;
	if (!f->moved)
		f->moved_from = f->state;
	f->moved = true;
	f->moved_why = why;
	f->state = s;
	if (now != KEEP_SINCE)
		f->since = now;
}

/* A reported change (or a reported change of the binding in the same state). */
static unsigned set_state(struct sitefsm *f, enum site_state s, long long now, const char *why)
{
	move_state(f, s, now, why);
	return FA_STATE_CHANGED;
}

bool sitefsm_take_move(struct sitefsm *f, enum site_state *from, const char **why)
{
	if (!f->moved)
		return false;
	f->moved = false;
	*from = f->moved_from;
	*why = f->moved_why;
	return *from != f->state;
}

static unsigned set_waiting(struct sitefsm *f, bool w)
{
	if (f->waiting == w)
		return 0;
	f->waiting = w;
	return FA_WAITLIST;
}

void sitefsm_init(struct sitefsm *f, const struct site *cfg, bool cert_ok, long long now)
{
	memset(f, 0, sizeof(*f));
	f->wildcard = cfg->wildcard;
	f->on_change = cfg->on_change;
	f->renders = cfg->ntargets > 0;
	f->failover = cfg->failover.track_file != NULL;
	f->issues = cfg->issue.command != NULL;
	f->cur = cfg->addr;
	f->cert_ok = cert_ok;
	/* A wildcard site that certbind renders is "wildcard" once proven, as "bound" is. The
	 * first state is not a change: written here, the only place besides move_state. */
	f->state = !cert_ok ? SS_FAILED
		   : !cfg->wildcard ? SS_UNBOUND
		   : cfg->ntargets ? SS_UNVERIFIED : SS_WILDCARD;
	f->since = now;
}

void sitefsm_restore(struct sitefsm *f, const struct ipaddr *cur, long long since)
{
	f->cur = *cur;
	if (since)
		f->since = since;
}

unsigned sitefsm_reconcile(struct sitefsm *f, bool present, struct where at, bool in_grace)
{
	/* The binding may have come from the state file: the index follows it in any case. */
	if (!f->cert_ok) {
		/* A failover standby issues its certificate when it takes the VIP over. */
		if (f->failover && f->issues && !present)
			move_state(f, SS_STANDBY, KEEP_SINCE, "start-up: no certificate yet, the VIP "
				   "is on the peer");
		return FA_REINDEX | (f->failover ? FA_FAILOVER : 0);
	}
	/* A site certbind renders is proven at start; one it only watches is its address. */
	if (f->wildcard)
		return f->renders ? FA_START_INITIAL : 0;
	f->cur_ifindex = at.ifindex;
	if (at.plen)
		f->cur_plen = at.plen;
	if (f->failover && !present) {
		/* The VIP is on the peer: rendered, and proven ready (not bound) without it. */
		move_state(f, SS_STANDBY, KEEP_SINCE, "start-up: the VIP is on the peer");
		return FA_START_INITIAL | FA_REINDEX | FA_FAILOVER;
	}
	if (present) {
		/* Not "bound" before a handshake says so. */
		move_state(f, f->renders ? SS_UNVERIFIED : SS_BOUND, KEEP_SINCE,
			   "start-up: its address is here");
		return (f->renders ? FA_START_INITIAL : 0) | FA_REINDEX;
	}
	/* Missing at start: awaited during the grace, then as if just lost. */
	if (in_grace) {
		move_state(f, SS_WAITING, KEEP_SINCE, "start-up: its address is not here yet");
		return FA_SETTLE_GRACE | FA_REINDEX;
	}
	move_state(f, SS_UNBOUND, KEEP_SINCE, "start-up: its address is missing");
	return FA_SETTLE_WINDOW | FA_REINDEX;
}

/* The settle window runs from the latest loss, so a flapping address keeps being absorbed. */
unsigned sitefsm_addr_lost(struct sitefsm *f, long long now)
{
	if (f->failover) {
		/* Released to the peer: nothing is lost, nothing decides; readiness is proven. */
		if (f->state != SS_BOUND && f->state != SS_UNVERIFIED)
			return 0;
		f->reverify_ms = 0;
		set_state(f, SS_STANDBY, now, "the VIP went to the peer");
		if (f->busy)
			f->redecide = true;
		return FA_STATE_CHANGED | FA_FAILOVER | FA_REVERIFY_CANCEL |
		       (f->busy ? 0 : FA_START_INITIAL);
	}
	if (f->state == SS_BOUND || f->state == SS_UNVERIFIED) {
		move_state(f, SS_UNBOUND, now, "its address went away (settling)");
		return FA_SETTLE_WINDOW;
	}
	if (f->state == SS_UNBOUND && !f->lost_reported)
		return FA_SETTLE_WINDOW;
	return 0;   /* already reported (or not a site that binds): nothing new */
}

/* Within the settle window a return is the end of it; after a report it is news. */
unsigned sitefsm_addr_back(struct sitefsm *f)
{
	if (f->failover) {
		/* Takeover: proven at once (after the job in progress, if any). */
		if (f->state != SS_STANDBY)
			return 0;
		if (f->busy) {
			f->redecide = true;
			return FA_FAILOVER;
		}
		return FA_START_INITIAL | FA_FAILOVER;
	}
	if (f->state == SS_WAITING) {
		/* Arrived within the start-up grace: rendered and proven, nothing was lost. */
		move_state(f, f->renders ? SS_UNVERIFIED : SS_BOUND, KEEP_SINCE,
			   "its address arrived within startup_grace_ms");
		return FA_SETTLE_CANCEL | FA_STATE_CHANGED | (f->renders ? FA_START_INITIAL : 0);
	}
	if (f->state != SS_UNBOUND)
		return 0;
	if (f->lost_reported)
		return FA_SETTLE_NOW;
	move_state(f, SS_BOUND, KEEP_SINCE, "its address came back within settle_ms");
	return FA_SETTLE_CANCEL | FA_LOG_QUIET;
}

unsigned sitefsm_addr_wake(struct sitefsm *f)
{
	return f->waiting ? FA_SETTLE_SOON : 0;
}

unsigned sitefsm_carry(struct sitefsm *f, const struct sitefsm *old, bool present,
		       struct where at)
{
	/* Only an edited address (or port) overrides the live binding. */
	f->cur = old->cur;
	f->cur_ifindex = old->cur_ifindex;
	f->cur_plen = old->cur_plen;
	f->rebinds_ok = old->rebinds_ok;
	f->rebinds_failed = old->rebinds_failed;
	f->rollbacks = old->rollbacks;
	f->proven_at = old->proven_at;
	if (!f->cert_ok)
		return FA_REINDEX;
	f->since = old->since;
	if (old->state == SS_UNBOUND && !present) {
		/* Still lost: no second address-lost; the edited rules decide (now, if reported). */
		move_state(f, SS_UNBOUND, KEEP_SINCE, "policy reload: still lost");
		f->lost_reported = old->lost_reported;
		f->nocand_reported = old->nocand_reported;
		f->reminders = old->reminders;
		return FA_REINDEX | (f->lost_reported ? FA_SETTLE_NOW | FA_REMIND_ARM
				     : FA_SETTLE_WINDOW);
	}
	/* Bound (or failed with its files kept): rendered with the new settings and proven. */
	return sitefsm_reconcile(f, present, at, false);
}

unsigned sitefsm_settle(struct sitefsm *f)
{
	if (f->failover)
		return 0;    /* where the VIP is, keepalived decides */
	/* The grace is over and the address never came: from now on it is lost. */
	if (f->state == SS_WAITING)
		move_state(f, SS_UNBOUND, KEEP_SINCE, "startup_grace_ms is over");
	if (f->busy) {
		f->redecide = true;
		return 0;
	}
	if (!f->cert_ok || f->wildcard)
		return 0;
	return FA_DECIDE;
}

/* The loss, reported once per loss (reminders clear lost_reported to say it again). */
static unsigned report_loss(struct sitefsm *f)
{
	if (f->lost_reported)
		return 0;
	if (f->on_change == ONC_ALERT)
		return FA_LOG_LOST | FA_ALERT_LOST | FA_REMIND_ARM;
	return FA_LOG_LOST;
}

static unsigned note_unbound(struct sitefsm *f, long long now)
{
	if (f->lost_reported && f->state == SS_UNBOUND)
		return 0;
	f->lost_reported = true;
	return set_state(f, SS_UNBOUND, now, "lost");
}

static unsigned restored(struct sitefsm *f, long long now)
{
	unsigned a;

	if (f->state != SS_UNBOUND)
		return 0;
	a = f->lost_reported ? FA_LOG_RESTORED : FA_LOG_QUIET;
	if (f->retry_ms) {
		f->retry_ms = 0;
		a |= FA_RETRY_CANCEL;
	}
	f->reminders = 0;
	f->lost_reported = f->nocand_reported = false;
	move_state(f, SS_BOUND, now, "its address came back");
	return a | FA_REMIND_CANCEL | FA_STATE_CHANGED | set_waiting(f, false);
}

unsigned sitefsm_decided(struct sitefsm *f, enum action act, bool server_busy, long long now)
{
	unsigned a = 0;

	switch (act) {
	case ACT_NONE:
		return restored(f, now);
	case ACT_LOG:
	case ACT_ALERT:
		a = report_loss(f);
		break;
	case ACT_NO_CANDIDATE:
		a = report_loss(f);
		if (!f->nocand_reported) {
			f->nocand_reported = true;
			a |= FA_LOG_NOCAND | FA_REMIND_ARM;
		}
		a |= set_waiting(f, true);
		break;
	case ACT_WAIT:
		/* A matching address is still in DAD: no alarm; its arrival wakes the site. */
		a = report_loss(f) | set_waiting(f, true);
		break;
	case ACT_REBIND:
		/* Should this attempt be refused or fail, try again when an address appears. */
		a = report_loss(f);          /* before note_unbound marks the loss reported */
		a |= note_unbound(f, now);
		a |= set_waiting(f, true);
		/* One job per server at a time: a rollback must not undo another's reload. */
		if (server_busy)
			f->queued = true;
		else
			a |= FA_START_JOB;
		return a;
	}
	return a | note_unbound(f, now);
}

unsigned sitefsm_remind(struct sitefsm *f)
{
	if (f->state != SS_UNBOUND || !f->lost_reported || f->busy)
		return 0;
	/* The condition lasts: say it again (the decision reports it anew). */
	f->reminders++;
	f->lost_reported = f->nocand_reported = false;
	return FA_DECIDE | FA_REMIND_ARM;
}

void sitefsm_job_started(struct sitefsm *f)
{
	f->busy = true;
}

unsigned sitefsm_job_verified(struct sitefsm *f, const struct ipaddr *to, struct where at,
			      bool rewrote, long long now)
{
	bool moved = !f->wildcard && !ipaddr_eq(&f->cur, to);
	unsigned a = FA_STATE_CHANGED;

	if (!f->wildcard) {
		f->cur = *to;
		f->cur_ifindex = at.ifindex;
		f->cur_plen = at.plen;
		a |= FA_REINDEX;
	}
	if (moved)
		f->since = now;
	f->proven_at = now;
	set_state(f, f->wildcard ? SS_WILDCARD : SS_BOUND, now, "proven served");
	f->lost_reported = f->nocand_reported = false;
	a |= set_waiting(f, false);
	if (f->reverify_ms) {
		/* It had failed its proof: say that it holds now. */
		f->reverify_ms = 0;
		a |= FA_REVERIFY_CANCEL | FA_LOG_VERIFIED;
	}
	if (f->retry_ms) {
		f->retry_ms = 0;
		a |= FA_RETRY_CANCEL;
	}
	f->disabled = false;
	if (moved) {
		f->rebinds_ok++;
		f->reminders = 0;
		return a | FA_FLUSH_STATE | FA_LOG_REBIND | FA_REMIND_CANCEL;
	}
	return a | (rewrote ? FA_LOG_RENDERED : 0);
}

/* 0 -> min, then doubling up to max. */
static unsigned next_backoff(unsigned cur, unsigned min, unsigned max)
{
	return !cur ? min : cur >= max / 2 ? max : cur * 2;
}

unsigned sitefsm_job_failed(struct sitefsm *f, const struct ipaddr *to, struct where at,
			    bool initial, bool rolled_back, long long now)
{
	unsigned a = FA_LOG_FAILED;

	if (f->disabled) {
		/* Still refused (its files went back to saying it is disabled): later again. */
		f->retry_ms = next_backoff(f->retry_ms, RETRY_MIN_MS, RETRY_MAX_MS);
		return a | FA_RETRY_ARM | set_state(f, SS_FAILED, now, "still refused by its server");
	}
	if (initial) {
		/* The binding stays, unproven, and is proven again later; retries fail quietly. */
		if (f->reverify_ms)
			a = 0;
		f->reverify_ms = next_backoff(f->reverify_ms, REVERIFY_MIN_MS, REVERIFY_MAX_MS);
		/* A failover site here failed its takeover: it holds the VIP, unproven. */
		if (f->state == SS_BOUND || f->state == SS_WILDCARD || f->state == SS_STANDBY)
			a |= set_state(f, SS_UNVERIFIED, now, "its proof failed");
		return a | FA_REVERIFY_ARM | (f->failover ? FA_FAILOVER : 0);
	}
	f->rebinds_failed++;
	f->rollbacks += rolled_back;
	/* Stay unbound, but try again: with backoff, and when a matching address appears. */
	if (f->on_change == ONC_REBIND)
		a |= set_waiting(f, true);
	if (f->on_change == ONC_REBIND && rolled_back) {
		f->retry_ms = next_backoff(f->retry_ms, RETRY_MIN_MS, RETRY_MAX_MS);
		a |= FA_RETRY_ARM;
	}
	if (!rolled_back) {
		/* on_failure = alert: the new files stay; the binding is there but unproven. */
		f->cur = *to;
		f->cur_ifindex = at.ifindex;
		f->cur_plen = at.plen;
		a |= FA_REINDEX | set_state(f, SS_FAILED, now, "rebind failed, files kept");
		f->since = now;
	}
	return a;
}

unsigned sitefsm_job_ended(struct sitefsm *f)
{
	unsigned a = FA_QUEUED_GO;

	f->busy = false;
	if (f->redecide) {
		f->redecide = false;
		/* A failover site proves itself where the VIP now is; others decide again. */
		a |= f->failover ? FA_START_INITIAL : FA_DECIDE;
	}
	return a | (f->failover ? FA_FAILOVER : 0);
}

unsigned sitefsm_dequeue(struct sitefsm *f)
{
	if (!f->queued || f->busy)
		return 0;
	f->queued = false;
	return FA_DECIDE;
}

unsigned sitefsm_retry(struct sitefsm *f, bool present)
{
	/* Bound meanwhile (an address came back), or in a job: nothing to try again. */
	if (!f->retry_ms || f->busy || !f->cert_ok)
		return 0;
	if (f->disabled)
		return present || f->wildcard || f->failover ? FA_START_INITIAL : FA_DECIDE;
	if (f->state != SS_UNBOUND)
		return 0;
	f->lost_reported = true;     /* the loss was said; only the attempt's outcome is news */
	return FA_DECIDE;
}

unsigned sitefsm_job_disabled(struct sitefsm *f, bool initial, long long now)
{
	unsigned a = FA_LOG_FAILED | FA_RETRY_ARM;

	if (!initial)
		f->rebinds_failed++;
	f->disabled = true;
	f->retry_ms = next_backoff(f->retry_ms, RETRY_MIN_MS, RETRY_MAX_MS);
	f->reverify_ms = 0;
	return a | FA_REVERIFY_CANCEL | set_state(f, SS_FAILED, now, "taken out of its server");
}

unsigned sitefsm_reverify(struct sitefsm *f)
{
	return f->state == SS_UNVERIFIED && !f->busy && f->cert_ok ? FA_START_INITIAL : 0;
}

unsigned sitefsm_cert_good(struct sitefsm *f, bool present, struct where at, long long now)
{
	if (f->cert_ok)
		return 0;
	f->cert_ok = true;
	move_state(f, f->wildcard ? SS_WILDCARD : SS_UNBOUND, now, "its certificate is usable");
	f->lost_reported = f->nocand_reported = false;
	return FA_STATE_CHANGED | sitefsm_reconcile(f, present, at, false);
}

unsigned sitefsm_cert_bad(struct sitefsm *f, long long now)
{
	f->cert_ok = false;
	move_state(f, SS_FAILED, now, "its certificate is unusable");
	return FA_STATE_CHANGED | (f->failover ? FA_FAILOVER : 0);
}

unsigned sitefsm_job_standby(struct sitefsm *f, long long now)
{
	unsigned a = FA_STATE_CHANGED | FA_FAILOVER;

	if (f->reverify_ms) {
		f->reverify_ms = 0;
		a |= FA_REVERIFY_CANCEL;
	}
	if (f->retry_ms) {
		f->retry_ms = 0;
		a |= FA_RETRY_CANCEL;
	}
	f->disabled = false;
	set_state(f, SS_STANDBY, now, "standby proven ready");
	return a;
}

unsigned sitefsm_probed(struct sitefsm *f, bool ok, long long now)
{
	if (!f->failover || f->busy || !f->cert_ok)
		return 0;
	if (ok && (f->state == SS_BOUND || f->state == SS_UNVERIFIED)) {
		unsigned a = f->state == SS_UNVERIFIED ? FA_STATE_CHANGED | FA_FAILOVER : 0;
		f->proven_at = now;
		if (f->reverify_ms) {
			f->reverify_ms = 0;
			a |= FA_REVERIFY_CANCEL;
		}
		set_state(f, SS_BOUND, now, "the VIP holder's periodic proof held");
		return a;
	}
	if (!ok && f->state == SS_BOUND)
		return set_state(f, SS_UNVERIFIED, now, "the VIP holder's periodic proof failed") | FA_FAILOVER;
	return 0;
}
