// SPDX-License-Identifier: MIT
/* A site as certbindctl shows it: state, why it is not bound, what comes next, its settings. */
#include "monitor/control/sitejson.h"

#include <stdio.h>
#include <time.h>

#include "monitor/core/log.h"
#include "monitor/sites/act.h"
#include "monitor/sites/defaults.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/siteview.h"

void sitejson_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* Not bound: why (the event that said so, and when), what certbind does next, and when a
 * failed rebind is tried again. */
static void add_why(json_object *o, const struct siteinfo *si, const struct siteview *v)
{
	if (!v->proven) {
		char next[256];
		sitejson_str(o, "reason", v->reason);
		sitejson_str(o, "reason_event", v->reason ? v->last_event : NULL);
		json_object_object_add(o, "reason_at", v->reason
				       ? json_object_new_int64(v->last_event_at) : NULL);
		sitejson_str(o, "next", siteview_next(si, next, sizeof(next)));
	}
	/* A failed rebind's next attempt (backoff; sooner when an input changes). */
	if (v->retry_in_ms >= 0) {
		json_object_object_add(o, "next_retry_at", json_object_new_int64(
				       (int64_t)time(NULL) + (int64_t)(v->retry_in_ms / 1000)));
		json_object_object_add(o, "retry_in_ms", json_object_new_int64(v->retry_in_ms));
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
static json_object *failover_json(struct daemon *d, const struct siteinfo *si,
				  const struct siteview *v)
{
	json_object *fo = json_object_new_object();
	int track = failover_track_value(&d->sites, si);

	sitejson_str(fo, "track_file", v->cfg->failover.track_file);
	json_object_object_add(fo, "track", track >= 0 ? json_object_new_int(track) : NULL);
	json_object_object_add(fo, "healthy", v->fo_healthy >= 0
			       ? json_object_new_boolean(v->fo_healthy) : NULL);
	json_object_object_add(fo, "ready", json_object_new_boolean(v->fo_ready));
	json_object_object_add(fo, "check_interval_ms",
			       json_object_new_int64(v->cfg->failover.check_interval_ms));
	sitejson_str(fo, "reason", v->fo_reason);
	return fo;
}

/* show's settings and lists: where it is configured, what it renders, where it could go. */
static void add_detail(struct daemon *d, json_object *o, struct siteinfo *si,
		       const struct siteview *v)
{
	const struct site *s = v->cfg;
	struct ipaddr cands[DECIDE_MAX_CANDS];
	char ep[ENDPOINT_STRLEN];
	json_object *t = json_object_new_array();

	sitejson_str(o, "configured", endpoint_str(s->wildcard ? NULL : &s->addr, s->port, ep,
						   sizeof(ep)));
	sitejson_str(o, "interface", s->interface);
	sitejson_str(o, "current_interface", v->ifindex ? addrtab_link_name(d->tab, v->ifindex)
						       : NULL);
	sitejson_str(o, "on_change", on_change_name(s->on_change));
	json_object_object_add(o, "reminder_in_ms", v->remind_in_ms >= 0
			       ? json_object_new_int64(v->remind_in_ms) : NULL);
	add_why(o, si, v);
	sitejson_str(o, "certificate", v->certificate);
	sitejson_str(o, "server_name", s->server_name);
	sitejson_str(o, "server", s->server ? s->server->name : NULL);
	sitejson_str(o, "driver", server_type_name(s->server_type));
	for (size_t i = 0; i < s->ntargets; i++)
		json_object_array_add(t, json_object_new_string(s->targets[i].output));
	json_object_object_add(o, "targets", t);
	json_object_object_add(o, "candidates", addr_array(cands, act_candidates(&d->sites, si,
						cands, DECIDE_MAX_CANDS)));
	if (s->failover.track_file)
		json_object_object_add(o, "failover", failover_json(d, si, v));
	if (s->wildcard) {
		const struct ipaddr *dv;
		size_t nd = defaults_proven(si, &dv);
		json_object_object_add(o, "default_served", addr_array(dv, nd));
	}
}

json_object *sitejson_site(struct daemon *d, struct siteinfo *si, bool detail)
{
	json_object *o = json_object_new_object();
	char ep[ENDPOINT_STRLEN];
	struct siteview v;

	siteview_get(si, &v);
	sitejson_str(o, "name", v.cfg->name);
	sitejson_str(o, "endpoint", endpoint_str(v.addr, v.cfg->port, ep, sizeof(ep)));
	sitejson_str(o, "state", v.state_name);
	json_object_object_add(o, "since", json_object_new_int64(v.since));
	sitejson_str(o, "fingerprint", v.fingerprint);
	json_object_object_add(o, "cert_expiry", v.fingerprint
			       ? json_object_new_int64(v.not_after) : NULL);
	sitejson_str(o, "last_event", v.last_event);
	json_object_object_add(o, "last_event_at", v.last_event
			       ? json_object_new_int64(v.last_event_at) : NULL);
	json_object_object_add(o, "busy", json_object_new_boolean(v.busy));
	if (detail)
		add_detail(d, o, si, &v);
	return o;
}
