// SPDX-License-Identifier: MIT
/* A site as certbindctl shows it: state, why it is not bound, what comes next, its settings. */
#include "monitor/control/sitejson.h"

#include <stdio.h>
#include <time.h>

#include "monitor/core/log.h"
#include "monitor/sites/act.h"
#include "monitor/sites/defaults.h"
#include "monitor/sites/failover.h"

void sitejson_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* Seconds from now until a timer's deadline, as a wall-clock time. */
static long long wall_of(const struct timer *t)
{
	uint64_t now = now_ms();

	return (long long)time(NULL) + (long long)((t->when > now ? t->when - now : 0) / 1000);
}

/* A timer's deadline as an ISO date (UTC) in buf. */
static const char *at(const struct timer *timer, char *buf, size_t len)
{
	time_t t = (time_t)wall_of(timer);
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

	if (si->fo->ready)
		snprintf(buf, len, "take over when keepalived brings its VIP here: prove it at once");
	else if (timer_armed(&si->fo->check))
		snprintf(buf, len, "prove its readiness again at %s (failover.check_interval_ms)",
			 at(&si->fo->check, when, sizeof(when)));
	else
		snprintf(buf, len, "nothing scheduled");
}

/* What certbind will do next about a site that is not bound. */
static const char *next_step(const struct siteinfo *si, char *buf, size_t len)
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

/* Not bound: why (the event that said so, and when), what certbind does next, and when a
 * failed rebind is tried again. */
static void add_why(struct daemon *d, json_object *o, const struct siteinfo *si)
{
	/* Not bound: why (the event that said so, and when), and what certbind does next. */
	if (si->fsm.state != SS_BOUND && si->fsm.state != SS_WILDCARD) {
		char next[256];
		sitejson_str(o, "reason", si->last_reason[0] ? si->last_reason : NULL);
		sitejson_str(o, "reason_event", si->last_reason[0] ? si->last_event : NULL);
		json_object_object_add(o, "reason_at", si->last_reason[0]
				       ? json_object_new_int64(si->last_event_at) : NULL);
		sitejson_str(o, "next", next_step(si, next, sizeof(next)));
	}
	/* A failed rebind's next attempt (backoff; sooner when an input changes). */
	if (timer_armed(&si->retry) && si->fsm.retry_ms) {
		uint64_t in = si->retry.when > now_ms() ? si->retry.when - now_ms() : 0;
		json_object_object_add(o, "next_retry_at",
				       json_object_new_int64((int64_t)time(NULL) + (int64_t)(in / 1000)));
		json_object_object_add(o, "retry_in_ms", json_object_new_int64((int64_t)in));
	} else {
		json_object_object_add(o, "next_retry_at", NULL);
	}
}

/* A list of addresses as a JSON array of strings. */
static json_object *addr_array(const struct ipaddr *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		char s[IPADDR_STRLEN];
		json_object_array_add(a, json_object_new_string(ipaddr_str(&v[i], s, sizeof(s))));
	}
	return a;
}

/* A failover site's part: its track file and what it tells keepalived. */
static json_object *failover_json(struct daemon *d, const struct siteinfo *si)
{
	json_object *fo = json_object_new_object();
	int v = failover_track_value(&d->sites, si);

	sitejson_str(fo, "track_file", si->cfg->failover.track_file);
	json_object_object_add(fo, "track", v >= 0 ? json_object_new_int(v) : NULL);
	json_object_object_add(fo, "healthy", si->fo->healthy >= 0
			       ? json_object_new_boolean(si->fo->healthy) : NULL);
	json_object_object_add(fo, "ready", json_object_new_boolean(si->fo->ready));
	json_object_object_add(fo, "check_interval_ms",
			       json_object_new_int64(si->cfg->failover.check_interval_ms));
	sitejson_str(fo, "reason", si->fo->healthy == 0 ? si->fo->reason : NULL);
	return fo;
}

/* show's settings and lists: where it is configured, what it renders, where it could go. */
static void add_detail(struct daemon *d, json_object *o, struct siteinfo *si)
{
	const struct site *s = si->cfg;
	struct ipaddr cands[DECIDE_MAX_CANDS];
	char ep[ENDPOINT_STRLEN];
	json_object *t = json_object_new_array();

	sitejson_str(o, "configured", endpoint_str(s->wildcard ? NULL : &s->addr, s->port, ep,
						   sizeof(ep)));
	sitejson_str(o, "interface", s->interface);
	sitejson_str(o, "current_interface", si->fsm.cur_ifindex
		? addrtab_link_name(d->tab, si->fsm.cur_ifindex) : NULL);
	sitejson_str(o, "on_change", on_change_name(s->on_change));
	json_object_object_add(o, "reminder_in_ms", timer_armed(&si->remind)
			       ? json_object_new_int64((int64_t)(si->remind.when > now_ms()
								 ? si->remind.when - now_ms() : 0))
			       : NULL);
	add_why(d, o, si);
	sitejson_str(o, "certificate", cert_file(s, &si->cert));
	sitejson_str(o, "server_name", s->server_name);
	sitejson_str(o, "server", s->server ? s->server->name : NULL);
	sitejson_str(o, "driver", server_type_name(s->server_type));
	for (size_t i = 0; i < s->ntargets; i++)
		json_object_array_add(t, json_object_new_string(s->targets[i].output));
	json_object_object_add(o, "targets", t);
	json_object_object_add(o, "candidates", addr_array(cands, act_candidates(&d->sites, si,
						cands, DECIDE_MAX_CANDS)));
	if (s->failover.track_file)
		json_object_object_add(o, "failover", failover_json(d, si));
	if (s->wildcard) {
		const struct ipaddr *v;
		size_t nd = defaults_proven(si, &v);
		json_object_object_add(o, "default_served", addr_array(v, nd));
	}
}

json_object *sitejson_site(struct daemon *d, struct siteinfo *si, bool detail)
{
	json_object *o = json_object_new_object();
	char ep[ENDPOINT_STRLEN];
	const struct site *s = si->cfg;

	sitejson_str(o, "name", s->name);
	sitejson_str(o, "endpoint", endpoint_str(s->wildcard ? NULL : &si->fsm.cur, s->port, ep,
						 sizeof(ep)));
	sitejson_str(o, "state", sitefsm_state_name(si->fsm.state));
	json_object_object_add(o, "since", json_object_new_int64(si->fsm.since));
	sitejson_str(o, "fingerprint", si->fsm.cert_ok ? si->cert.fingerprint : NULL);
	json_object_object_add(o, "cert_expiry",
			       si->fsm.cert_ok ? json_object_new_int64(si->cert.not_after) : NULL);
	sitejson_str(o, "last_event", si->last_event[0] ? si->last_event : NULL);
	json_object_object_add(o, "last_event_at", si->last_event[0]
			       ? json_object_new_int64(si->last_event_at) : NULL);
	json_object_object_add(o, "busy", json_object_new_boolean(si->fsm.busy));
	if (detail)
		add_detail(d, o, si);
	return o;
}
