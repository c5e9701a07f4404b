// SPDX-License-Identifier: MIT
/* Site event lines: built with the logfmt helper, never by hand at a call site. */
#include "monitor/sites/sitelog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "monitor/core/log.h"

static const char *endpoint(const struct siteinfo *si, char *buf, size_t len)
{
	return endpoint_str(si->fsm.state == SS_WILDCARD || si->cfg->wildcard ? NULL : &si->fsm.cur,
			    si->cfg->port, buf, len);
}

void sitelog_event_why(struct siteinfo *si, const char *event, const char *why)
{
	snprintf(si->last_event, sizeof(si->last_event), "%s", event);
	snprintf(si->last_reason, sizeof(si->last_reason), "%s", why ? why : "");
	si->last_event_at = time(NULL);
	/* The state file keeps it across a restart (written once at the end of the pass). */
	sites_changed(si->set, SC_STATE);
}

void sitelog_event(struct siteinfo *si, const char *event)
{
	sitelog_event_why(si, event, NULL);
}

void sitelog_lost(struct siteinfo *si, const struct decision *dec, int prio, bool with_alert)
{
	char ep[ENDPOINT_STRLEN], list[512] = "";
	struct ev e;

	for (size_t i = 0; i < dec->ncands; i++) {
		char a[IPADDR_STRLEN];
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
			 ipaddr_str(&dec->cands[i], a, sizeof(a)));
	}
	ev_begin(&e, "address-lost");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", endpoint_str(&si->fsm.cur, si->cfg->port, ep, sizeof(ep)));
	ev_add(&e, "action", on_change_name(si->cfg->on_change));
	ev_add(&e, "candidates", list);
	if (si->fsm.reminders)
		ev_addf(&e, "repeat", "%u", si->fsm.reminders);
	ev_emit(&e, prio);
	sitelog_event_why(si, "address-lost", "its address went away");
	if (with_alert)
		alert_run(si->set->alerts, si->cfg, "address-lost", ep, list,
			  "the site's address went away");
}

void sitelog_restored(struct siteinfo *si)
{
	char ep[ENDPOINT_STRLEN];
	struct ev e;

	ev_begin(&e, "address-restored");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", endpoint_str(&si->fsm.cur, si->cfg->port, ep, sizeof(ep)));
	ev_emit(&e, LOG_NOTICE);
	sitelog_event(si, "address-restored");
}

void sitelog_back_quietly(struct siteinfo *si)
{
	char ep[ENDPOINT_STRLEN];

	log_debug("site %s: %s came back within settle_ms", si->cfg->name,
		  endpoint_str(&si->fsm.cur, si->cfg->port, ep, sizeof(ep)));
}

void sitelog_nocand(struct siteinfo *si)
{
	char ep[ENDPOINT_STRLEN];
	struct ev e;

	ev_begin(&e, "no-candidate");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", endpoint_str(&si->fsm.cur, si->cfg->port, ep, sizeof(ep)));
	ev_add(&e, "follow", si->cfg->follow.interface ? si->cfg->follow.interface
	       : si->cfg->interface ? si->cfg->interface : "(lost address's interface)");
	ev_emit(&e, si->cfg->alert_priority);
	sitelog_event_why(si, "no-candidate", "its address went away and no address matches "
			  "follow");
	alert_run(si->set->alerts, si->cfg, "no-candidate", ep, "", "no address matches follow");
}

void sitelog_rebind(struct siteinfo *si, const char *old)
{
	char new[ENDPOINT_STRLEN];
	struct ev e;

	ev_begin(&e, "rebind");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "old", old);
	ev_add(&e, "new", endpoint(si, new, sizeof(new)));
	ev_add(&e, "fingerprint", si->cert.fingerprint);
	ev_emit(&e, LOG_NOTICE);
	sitelog_event(si, "rebind");
}

void sitelog_verified(struct siteinfo *si, const char *ep)
{
	struct ev e;

	ev_begin(&e, "verified");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", ep);
	ev_add(&e, "fingerprint", si->cert.fingerprint);
	ev_emit(&e, LOG_NOTICE);
	sitelog_event(si, "verified");
}

void sitelog_rendered(struct siteinfo *si, const char *ep)
{
	struct ev e;

	ev_begin(&e, "rendered");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", ep);
	ev_add(&e, "fingerprint", si->cert.fingerprint);
	ev_emit(&e, LOG_INFO);
}

/* Is the kernel letting servers bind addresses the host does not have (this family)? */
static bool nonlocal_bind_on(int family)
{
	const char *path = family == AF_INET6 ? "/proc/sys/net/ipv6/ip_nonlocal_bind"
					      : "/proc/sys/net/ipv4/ip_nonlocal_bind";
	char c = '0';
	FILE *f = fopen(path, "re");

	if (f) {
		c = (char)fgetc(f);
		fclose(f);
	}
	return c == '1';
}

/*
 * Names another site of the same server whose listen address is absent: a server that
 * must bind every address it lists cannot reload then. Said only where it can be the cause:
 * the failure is the server's (it did not take the configuration), the other site's address
 * really is absent, and the kernel does not let the server bind absent addresses.
 */
static void add_hint(const struct siteinfo *si, struct ev *e, const char *reason)
{
	const struct sites *set = si->set;

	if (!strstr(reason, "nothing listens") && !strstr(reason, "reload") &&
	    !strstr(reason, "did not take") && !strstr(reason, "connect"))
		return;
	for (size_t i = 0; i < set->n; i++) {
		const struct siteinfo *o = &set->v[i];
		if (o != si && o->fsm.state == SS_UNBOUND && !o->cfg->wildcard &&
		    site_same_server(o->cfg, si->cfg) &&
		    !addrtab_find(set->tab, &o->fsm.cur, 0) && !nonlocal_bind_on(o->fsm.cur.family)) {
			char hint[256];
			snprintf(hint, sizeof(hint),
				 "site %s of the same server is unbound and its listen address is "
				 "absent; see nonlocal_bind in certbind.conf(5)", o->cfg->name);
			ev_add(e, "hint", hint);
			return;
		}
	}
}

void sitelog_failed(struct siteinfo *si, const char *old, const char *new, const char *reason,
		    const char *hint, bool rolled_back, int old_served)
{
	struct ev e;
	/* A render at the binding it has (start-up, an edit, a retry in place) is not a rebind. */
	const char *name = strcmp(old, new) ? "rebind-failed" : "render-failed";

	ev_begin(&e, name);
	ev_add(&e, "site", si->cfg->name);
	if (strcmp(old, new)) {
		ev_add(&e, "old", old);
		ev_add(&e, "new", new);
	} else {
		ev_add(&e, "endpoint", new);
	}
	ev_add(&e, "reason", reason);
	ev_add(&e, "rollback", rolled_back ? "yes" : "no");
	if (old_served)
		ev_add(&e, "old_binding", old_served > 0 ? "served" : "not-served");
	if (si->fsm.disabled) {
		ev_add(&e, "disabled", "yes");
		hint = "the server refuses this site's certificate, key or include whatever "
		       "certbind renders: its files now say it is disabled, so that the server can "
		       "reload for the other sites; fix the file (certbind tries again at once)";
	}
	if (si->fsm.retry_ms && (si->fsm.state == SS_UNBOUND || si->fsm.disabled))
		ev_addf(&e, "retry_in_s", "%u", (si->fsm.retry_ms + 999) / 1000);
	if (hint)
		ev_add(&e, "hint", hint);
	else
		add_hint(si, &e, reason);
	ev_emit(&e, LOG_ERR);
	sitelog_event_why(si, name, e.reason);
	/* The first failure runs the alert command; the retries' failures are the same news
	 * (alert.repeat_s reminds). */
	if (si->fsm.retry_ms <= RETRY_MIN_MS)
		alert_run(si->set->alerts, si->cfg, name, old, new, reason);
}

void sitelog_cert_mismatch(struct siteinfo *si, const char *ep, bool refused)
{
	struct ev e;

	ev_begin(&e, "cert-mismatch");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "endpoint", ep);
	ev_add(&e, "certificate", cert_file(si->cfg, &si->cert));
	ev_add(&e, "reason", si->cert.has_ip_san ? "address not in the certificate's IP SANs"
	       : "server_name not covered by the certificate");
	if (refused) {
		ev_add(&e, "action", "refused");
		ev_emit(&e, LOG_ERR);
		sitelog_event_why(si, "cert-mismatch", e.reason);
		return;
	}
	ev_emit(&e, LOG_WARNING);
}

void sitelog_restore(struct siteinfo *si, const char *event, long long at)
{
	snprintf(si->last_event, sizeof(si->last_event), "%s", event);
	si->last_event_at = at;
}
