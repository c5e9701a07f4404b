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

/* np replaces the running policy (no job runs). */
static int swap_in(struct daemon *d, struct policy *np)
{
	struct policy *old = d->pol;
	struct ev e;

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

int daemon_reload(struct daemon *d, struct errlist *errs)
{
	struct policy *np = NULL;
	struct ev ev;

	if (policy_load(d->config_path, &np, errs) < 0) {
		rejected(d, errs);
		return -1;
	}
	if (!sites_busy(&d->sites)) {
		/* Newer than any deferred one. */
		policy_free(d->pending);
		d->pending = NULL;
		return swap_in(d, np);
	}
	/* Swap only between jobs: a job holds pointers into the old policy. The policy taken
	 * then is the one validated now (a later reload replaces it), not the file re-read. */
	policy_free(d->pending);
	d->pending = np;
	ev_begin(&ev, "config-reload-deferred");
	ev_addf(&ev, "jobs", "%zu", d->sites.jobs_running);
	ev_add(&ev, "reason", "a job holds the running policy: the new one is taken when it ends");
	ev_emit(&ev, LOG_INFO);
	return 0;
}

void daemon_reload_pending(struct daemon *d)
{
	struct policy *np = d->pending;

	d->pending = NULL;
	if (np && swap_in(d, np) < 0)
		log_warnx("out of memory taking the reloaded policy; the running one stays");
}
