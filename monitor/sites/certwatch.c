// SPDX-License-Identifier: MIT
/* Certificate expiry as a timer at the next threshold (never polling), and re-checks on demand. */
#include "monitor/sites/certwatch.h"

#include <string.h>
#include <time.h>

#include "monitor/core/log.h"
#include "monitor/sites/sitelog.h"

/* What happens to a site whose certificate or key is unusable, and how it comes back. */
#define SKIPPED "the site is skipped until the files are replaced (noticed by itself; " \
	"certbindctl reload also re-checks them)"

static void arm_at_wall(struct siteinfo *si, time_t when)
{
	/* Far deadlines are fine: the timerfd sleeps until then, no polling. A step of the wall
	 * clock arms it again (certwatch_changed from the step handler). */
	loop_arm(si->set->L, &si->cert_timer, clock_at_wall(when));
}

static void expired(struct siteinfo *si)
{
	struct ev e;

	ev_begin(&e, "cert-expired");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "certificate", cert_file(si->cfg, &si->cert));
	ev_add(&e, "reason", "the certificate has expired");
	ev_add(&e, "action", SKIPPED);
	ev_emit(&e, LOG_ERR);
	sitelog_event_why(si, "cert-expired", e.reason);
	alert_run(si->set->alerts, si->cfg, "cert-expired", NULL, NULL,
		  "the certificate has expired");
	si->set->apply(si, sitefsm_cert_bad(&si->fsm, time(NULL)));
}

static void expiring(struct siteinfo *si, time_t now)
{
	struct ev e;

	ev_begin(&e, "cert-expiring");
	ev_add(&e, "site", si->cfg->name);
	ev_addf(&e, "days_left", "%ld", cert_days_left(&si->cert, now));
	ev_add(&e, "certificate", cert_file(si->cfg, &si->cert));
	ev_emit(&e, LOG_WARNING);
	sitelog_event(si, "cert-expiring");
	alert_run(si->set->alerts, si->cfg, "cert-expiring", NULL, NULL,
		  "the certificate expires soon");
	si->expiring_logged = now;
}

static void evaluate(struct siteinfo *si)
{
	time_t now = time(NULL), warn_from;
	unsigned repeat = si->cfg->alert_repeat_s;

	loop_cancel(si->set->L, &si->cert_timer);
	if (!si->fsm.cert_ok || !si->cert.not_after)
		return;
	/* Judge the certificate on disk, not the one loaded: it may have been renewed. */
	if (!cert_unchanged(si->cfg, &si->cert)) {
		certwatch_recheck(si, NULL);   /* evaluates the new one (or fails the site) */
		return;
	}
	if (si->cert.not_after <= now) {
		expired(si);
		return;
	}
	warn_from = si->cert.not_after - (time_t)si->set->pol->expiry_warn_days * 86400;
	if (now < warn_from) {
		arm_at_wall(si, warn_from);
		return;
	}
	if (!si->expiring_logged || (repeat && now - si->expiring_logged >= (time_t)repeat))
		expiring(si, now);
	/* Next: a reminder, or the moment it expires, whichever comes first. */
	if (repeat && si->expiring_logged + (time_t)repeat < si->cert.not_after)
		arm_at_wall(si, si->expiring_logged + (time_t)repeat);
	else
		arm_at_wall(si, si->cert.not_after);
}

static void on_cert_timer(void *arg)
{
	evaluate(arg);
}

void certwatch_report(struct siteinfo *si, const struct errlist *errs)
{
	struct ev e;

	/* Only the callback: the timer may be armed (a carried-over site), keep its slot. */
	si->cert_timer.fn = on_cert_timer;
	si->cert_timer.arg = si;
	for (size_t i = 0; errs && i < errs->n; i++) {
		const char *m = errs->msg[i];
		const char *name = strstr(m, "has expired") ? "cert-expired" : "cert-unreadable";
		ev_begin(&e, name);
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "reason", m);
		/* A site that issues its own gets one: said, not an error. */
		ev_add(&e, "action", !si->cfg->issue.command ? SKIPPED
		       : si->cfg->failover.track_file ? "its issue command gets one on this host "
		       "when it holds the VIP" : "its issue command gets one");
		ev_emit(&e, si->cfg->issue.command ? LOG_NOTICE : LOG_ERR);
		sitelog_event_why(si, name, e.reason);
	}
	if (si->fsm.cert_ok && si->cfg->server_name &&
	    !cert_names_host(&si->cert, si->cfg->server_name)) {
		ev_begin(&e, "cert-mismatch");
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "server_name", si->cfg->server_name);
		ev_add(&e, "reason", "server_name is not among the certificate's names");
		ev_emit(&e, LOG_WARNING);
		sitelog_event_why(si, "cert-mismatch", e.reason);
	}
	evaluate(si);
}

int certwatch_recheck(struct siteinfo *si, bool *changed)
{
	struct errlist errs = { 0 };
	struct certinfo ci;

	if (changed)
		*changed = false;
	/* Same files as last checked: nothing to re-read (expiry has its own timer). */
	if (si->fsm.cert_ok && cert_unchanged(si->cfg, &si->cert))
		return 0;
	if (cert_load(si->cfg, &si->fsm.cur, &ci, &errs, NULL) < 0) {
		bool was_ok = si->fsm.cert_ok;
		cert_free(&si->cert);
		si->set->apply(si, sitefsm_cert_bad(&si->fsm, time(NULL)));
		/* Said once per problem: a failed site re-checked on every file event is quiet. */
		if (was_ok)
			certwatch_report(si, &errs);
		errlist_free(&errs);
		return -1;
	}
	if (!si->fsm.cert_ok || memcmp(ci.sha256, si->cert.sha256, sizeof(ci.sha256))) {
		struct ev e;
		ev_begin(&e, "cert-changed");
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "certificate", cert_file(si->cfg, &ci));
		ev_add(&e, "fingerprint", ci.fingerprint);
		ev_emit(&e, LOG_INFO);
		if (changed)
			*changed = true;
	}
	cert_free(&si->cert);
	si->cert = ci;
	/* A new certificate has its own expiry: warnings about the old one stop. */
	si->expiring_logged = 0;
	if (si->fsm.cert_ok)
		evaluate(si);
	return 0;
}

void certwatch_changed(struct siteinfo *si)
{
	si->expiring_logged = 0;
	evaluate(si);
}

void certwatch_rearm(struct siteinfo *si)
{
	evaluate(si);
}

void certwatch_cancel(struct siteinfo *si)
{
	loop_cancel(si->set->L, &si->cert_timer);
}

int certwatch_load(struct siteinfo *si, struct certcache *cc, struct errlist *errs)
{
	return certcache_load(cc, si->cfg, &si->cert, errs, NULL);
}

void certwatch_adopt(struct siteinfo *si, const struct certinfo *ci)
{
	cert_free(&si->cert);
	si->cert = *ci;
}

void certwatch_moved(struct siteinfo *old, struct siteinfo *ns)
{
	loop_move(ns->set->L, &old->cert_timer, &ns->cert_timer, ns);
	memset(&old->cert, 0, sizeof(old->cert));
}

void certwatch_free(struct siteinfo *si)
{
	certwatch_cancel(si);
	cert_free(&si->cert);
}
