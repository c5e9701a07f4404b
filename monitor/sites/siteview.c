// SPDX-License-Identifier: MIT
/* A site's snapshot for observers, and what certbind will do next about it, said in words. */
#include "monitor/sites/siteview.h"

#include <stdio.h>
#include <time.h>

#include "monitor/sites/failover.h"

/* ms until an armed timer's deadline (0 if due), or -1 when it is not armed. */
static long long in_ms(const struct timer *t)
{
	uint64_t now = now_ms();

	if (!timer_armed(t))
		return -1;
	return t->when > now ? (long long)(t->when - now) : 0;
}

void siteview_get(const struct siteinfo *si, struct siteview *v)
{
	const struct sitefsm *f = &si->fsm;

	*v = (struct siteview){
		.cfg = si->cfg, .state = f->state, .state_name = sitefsm_state_name(f->state),
		.proven = f->state == SS_BOUND || f->state == SS_WILDCARD,
		.since = f->since, .proven_at = f->proven_at, .busy = f->busy,
		.addr = si->cfg->wildcard ? NULL : &f->cur, .ifindex = f->cur_ifindex,
		.fingerprint = f->cert_ok ? si->cert.fingerprint : NULL,
		.not_after = f->cert_ok ? (long long)si->cert.not_after : 0,
		.cert = f->cert_ok ? &si->cert : NULL,
		.certificate = cert_file(si->cfg, &si->cert),
		.last_event = si->last_event[0] ? si->last_event : NULL,
		.last_event_at = si->last_event[0] ? si->last_event_at : 0,
		.reason = si->last_reason[0] ? si->last_reason : NULL,
		.rebinds_ok = f->rebinds_ok, .rebinds_failed = f->rebinds_failed,
		.rollbacks = f->rollbacks, .issue_failures = si->issue_failures,
		.retry_in_ms = f->retry_ms ? in_ms(&si->retry) : -1,
		.retry_backoff_ms = f->retry_ms, .remind_in_ms = in_ms(&si->remind),
		.failover = si->fo != NULL, .fo_healthy = si->fo ? si->fo->healthy : -1,
		.fo_ready = si->fo && si->fo->ready,
		.fo_reason = si->fo && si->fo->healthy == 0 ? si->fo->reason : NULL,
	};
}

/* A timer's deadline as an ISO date (UTC) in buf. */
static const char *at(const struct timer *timer, char *buf, size_t len)
{
	time_t t = time(NULL) + (time_t)(in_ms(timer) / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* An address that is not there (yet): what certbind waits for. */
static void absent_step(const struct siteinfo *si, char *buf, size_t len)
{
	const struct sitefsm *f = &si->fsm;
	char when[32];

	if (f->state == SS_WAITING && timer_armed(&si->settle))
		snprintf(buf, len, "wait for its address until %s (startup_grace_ms), then decide",
			 at(&si->settle, when, sizeof(when)));
	else if (timer_armed(&si->settle))
		snprintf(buf, len, "decide at %s (settle_ms)", at(&si->settle, when, sizeof(when)));
	else if (f->waiting)
		snprintf(buf, len, "rebind when an address matching follow appears");
	else
		snprintf(buf, len, "wait for its address to come back (on_change = %s)",
			 on_change_name(si->cfg->on_change));
}

/* A failover standby: ready for its VIP, or proving its readiness again. */
static void standby_step(const struct siteinfo *si, char *buf, size_t len)
{
	char when[32];

	if (si->fo && si->fo->ready)
		snprintf(buf, len, "take over when keepalived brings its VIP here: prove it at once");
	else if (si->fo && timer_armed(&si->fo->check))
		snprintf(buf, len, "prove its readiness again at %s (failover.check_interval_ms)",
			 at(&si->fo->check, when, sizeof(when)));
	else
		snprintf(buf, len, "nothing scheduled");
}

const char *siteview_next(const struct siteinfo *si, char *buf, size_t len)
{
	const struct sitefsm *f = &si->fsm;
	char when[32];

	if (f->busy)
		snprintf(buf, len, "a rebind (or an issue command) is in progress");
	else if (failover_issues_on_takeover(si))
		snprintf(buf, len, "issue its certificate when keepalived brings its VIP here (only "
			 "the VIP's holder can pass http-01), then prove it");
	else if (f->retry_ms && timer_armed(&si->retry))
		snprintf(buf, len, "try again at %s (backoff %u s), or at once when its certificate "
			 "is replaced or a matching address appears",
			 at(&si->retry, when, sizeof(when)), (f->retry_ms + 999) / 1000);
	else if (!f->cert_ok)
		snprintf(buf, len, "use it again once its certificate and key are replaced "
			 "(noticed by itself; certbindctl reload re-checks them)");
	else if (f->state == SS_UNVERIFIED && timer_armed(&si->reverify))
		snprintf(buf, len, "prove it again at %s", at(&si->reverify, when, sizeof(when)));
	else if (f->state == SS_WAITING || f->state == SS_UNBOUND)
		absent_step(si, buf, len);
	else if (f->state == SS_STANDBY)
		standby_step(si, buf, len);
	else if (f->state == SS_FAILED)
		snprintf(buf, len, "try again at the next address change, or certbindctl rebind");
	else
		snprintf(buf, len, "nothing scheduled");
	return buf;
}
