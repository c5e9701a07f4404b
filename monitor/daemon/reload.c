// SPDX-License-Identifier: MIT
/* Policy reload: build and validate the new policy fully, then swap it in between jobs. */
#include <systemd/sd-daemon.h>

#include "monitor/core/log.h"
#include "monitor/daemon/daemon.h"

static void rejected(struct daemon *d, const struct errlist *errs)
{
	struct ev e;

	ev_begin(&e, "config-rejected");
	ev_add(&e, "file", d->config_path);
	ev_addf(&e, "errors", "%zu", errs->n);
	ev_add(&e, "first", errs->n ? errs->msg[0] : "?");
	ev_add(&e, "action", "the running policy stays in force");
	ev_emit(&e, LOG_ERR);
	for (size_t i = 0; i < errs->n; i++)
		log_msg(LOG_ERR, "%s", errs->msg[i]);
}

int daemon_reload(struct daemon *d, struct errlist *errs)
{
	struct policy *np = NULL, *old = d->pol;
	struct ev e;

	if (policy_load(d->config_path, &np, errs) < 0) {
		rejected(d, errs);
		return -1;
	}
	if (sites_busy(&d->sites)) {
		/* Swap only between jobs: a job holds pointers into the old policy. */
		policy_free(np);
		d->reload_pending = true;
		struct ev ev;
		ev_begin(&ev, "config-reload-deferred");
		ev_addf(&ev, "jobs", "%zu", d->sites.jobs_running);
		ev_add(&ev, "reason", "a job holds the running policy: the new one is taken when it ends");
		ev_emit(&ev, LOG_INFO);
		return 0;
	}
	sd_notify(0, "RELOADING=1");
	if (sites_replace(&d->sites, np) < 0) {
		policy_free(np);
		return -1;
	}
	d->pol = np;
	policy_free(old);
	log_init(np->syslog_ident, np->syslog_facility, log_stderr(), log_verbose());
	for (size_t i = 0; np->warnings && i < np->warnings->n; i++)
		log_msg(LOG_WARNING, "%s", np->warnings->msg[i]);
	nonlocal_apply(d);
	ev_begin(&e, "config-reloaded");
	ev_add(&e, "file", d->config_path);
	ev_addf(&e, "sites", "%zu", d->sites.n);
	ev_emit(&e, LOG_NOTICE);
	sd_notify(0, "READY=1");
	return 0;
}
