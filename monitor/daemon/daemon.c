// SPDX-License-Identifier: MIT
/* certbindd's hub: start-up, the loop with its per-pass work, sd_notify, shutdown. */
#include "monitor/daemon/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "monitor/core/fileio.h"
#include "monitor/core/log.h"
#include "monitor/sites/outcome.h"
#include "monitor/report/state.h"
#include "monitor/rebind/tlsprobe.h"
#include "monitor/rebind/trust.h"
#include "monitor/sites/act.h"
#include "monitor/sites/jobs.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/statefile.h"
#include "netlink/listeners.h"

#define METRICS_HEARTBEAT_MS 60000

static void on_signal(void *arg, int signo)
{
	struct daemon *d = arg;

	if (signo == SIGHUP) {
		struct errlist errs = { 0 };
		daemon_reload(d, &errs);
		errlist_free(&errs);
	} else if (signo == SIGTERM || signo == SIGINT) {
		d->quit = true;
	}
}

/* systemd's watchdog: the loop's only periodic wake-up, at half WATCHDOG_USEC. */
static void on_watchdog(void *arg)
{
	struct daemon *d = arg;

	sd_notify(0, "WATCHDOG=1");
	loop_arm(&d->L, &d->watchdog, now_ms() + d->watchdog_ms);
	/* The metrics file's heartbeat rides on this wake-up, no timer of its own: rewritten
	 * now when waiting for the next ping would pass the minute. */
	if (now_ms() + d->watchdog_ms >= d->metrics_written + METRICS_HEARTBEAT_MS)
		sites_changed(&d->sites, SC_METRICS);
}

static void watchdog_init(struct daemon *d)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000) {
		d->watchdog_ms = usec / 2000;
		d->watchdog = (struct timer){ .fn = on_watchdog, .arg = d };
		loop_arm(&d->L, &d->watchdog, now_ms() + d->watchdog_ms);
	}
}

/* The state file's bindings (start-up only); a garbled file is ignored, with a warning. */
static struct binding *read_bindings(struct daemon *d, size_t *nb)
{
	struct errlist errs = { 0 };
	struct binding *b = NULL;

	if (state_read(d->pol->state_file, &b, nb, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_msg(LOG_WARNING, "state file ignored: %s", errs.msg[i]);
		errlist_free(&errs);
	}
	return b;
}

static void log_started(struct daemon *d)
{
	struct ev e;

	ev_begin(&e, "started");
	ev_add(&e, "version", CERTBIND_VERSION);
	ev_add(&e, "config", d->config_path);
	ev_addf(&e, "sites", "%zu", d->sites.n);
	ev_addf(&e, "addresses", "%zu", addrtab_count(d->tab));
	if (d->dry_run)
		ev_add(&e, "mode", "dry-run");
	ev_emit(&e, LOG_NOTICE);
}

/* The wall clock was stepped: timers armed for a wall-clock time are armed again. */
static void on_clock_step(void *arg)
{
	struct daemon *d = arg;

	log_info("event=clock-stepped wall=%lld: certificate expiry and renewal timers armed again",
		 (long long)wall_now());
	sites_clock_stepped(&d->sites);
}

/* Loop, TLS context, address table, listeners: what the sites and jobs run on. */
static int setup_runtime(struct daemon *d)
{
	struct pipe_env env;

	if (loop_init(&d->L, on_signal, d) < 0)
		return -1;
	d->sslctx = tlsprobe_ctx_new();
	d->tab = addrtab_new();
	if (!d->sslctx || !d->tab)
		return -1;
	d->listeners = listeners_open();
	if (!d->listeners)
		log_warnx("inet_diag unavailable: no listener checks (verification still runs)");
	alert_init(&d->alerts, &d->L, d->dry_run);
	env = (struct pipe_env){ .L = &d->L, .ssl = d->sslctx, .listeners = d->listeners,
				 .dry_run = d->dry_run };
	sites_init(&d->sites, &env, d->tab, &d->alerts);
	if (loop_on_clock_step(&d->L, on_clock_step, d) < 0)
		log_warn("no notice of wall-clock steps: certificate timers follow the clock as "
			 "it was when they were armed");
	return 0;
}

int daemon_init(struct daemon *d, const struct daemon_opts *o)
{
	struct errlist errs = { 0 };
	struct binding *bindings;
	size_t nb = 0;

	memset(d, 0, sizeof(*d));
	d->L.epfd = d->L.w_sig.fd = d->L.w_timer.fd = d->L.w_step.fd = -1;
	d->config_path = o->config_path;
	d->dry_run = o->dry_run;
	if (policy_load(o->config_path, &d->pol, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_msg(LOG_ERR, "%s", errs.msg[i]);
		errlist_free(&errs);
		return 78;
	}
	if (o->running && o->running(d->pol->control_socket)) {
		log_msg(LOG_ERR, "another certbindd is running (it answers on %s): nothing started; "
			"see systemctl status certbindd, or certbindctl status", d->pol->control_socket);
		return 69;
	}
	log_init(d->pol->syslog_ident, d->pol->syslog_facility, log_stderr(), log_verbose());
	for (size_t i = 0; d->pol->warnings && i < d->pol->warnings->n; i++)
		log_msg(LOG_WARNING, "%s", d->pol->warnings->msg[i]);
	if (setup_runtime(d) < 0) {
		log_warn("start-up");
		return 71;
	}
	/* Subscribe (and dump) before the sites exist: the table is complete when they look. */
	if (netev_open(d) < 0) {
		log_warn("netlink subscription");
		return 71;
	}
	if (sites_build(&d->sites, d->pol) < 0)
		return 71;
	nonlocal_apply(d);
	watchdog_init(d);
	file_clean_temps(d->pol->state_file);
	if (d->pol->metrics_file)
		file_clean_temps(d->pol->metrics_file);
	bindings = read_bindings(d, &nb);
	log_started(d);
	sites_reconcile(&d->sites, bindings, nb);
	free(bindings);
	promote_check(d);
	sites_changed(&d->sites, SC_STATE);
	statefile_flush(&d->sites);
	return 0;
}

/* Tells systemd how many sites are bound; only when that changed. */
static void notify_status(struct daemon *d)
{
	static char last[128];
	char now[128];
	size_t bound, unverified, unbound, failed, standby;

	/* Counting is O(sites): only when some site's state changed, not on every pass. */
	if (!d->sites.status_dirty)
		return;
	d->sites.status_dirty = false;
	sites_count(&d->sites, &bound, &unverified, &unbound, &failed, &standby);
	snprintf(now, sizeof(now), "STATUS=%zu site%s: %zu bound, %zu unbound, %zu failed",
		 d->sites.n, d->sites.n == 1 ? "" : "s", bound, unbound, failed);
	if (unverified)
		snprintf(now + strlen(now), sizeof(now) - strlen(now), ", %zu unverified", unverified);
	if (standby)
		snprintf(now + strlen(now), sizeof(now) - strlen(now), ", %zu standby", standby);
	if (strcmp(now, last)) {
		sd_notify(0, now);
		memcpy(last, now, sizeof(last));
	}
}

/* The pass's settling step: due sites join jobs. Jobs that end at once (nothing to run or
 * prove) are told in this pass too (the loop runs this again while their completions are
 * due), so the state file is written once, with the outcome. */
static void pass_settle(void *arg)
{
	struct daemon *d = arg;

	outcome_pass_end(&d->sites);
}

/* The end of every pass: deferred reload; READY; state, metrics, status. */
static void pass_end(void *arg)
{
	struct daemon *d = arg;

	if (d->pending && !sites_busy(&d->sites)) {
		daemon_reload_pending(d);
		outcome_pass_end(&d->sites);
	}
	/* Ready once the start-up reconciliation (its renders and reloads) is done. */
	if (!d->ready && !sites_busy(&d->sites)) {
		sites_changed(&d->sites, SC_STATUS);
		notify_status(d);
		sd_notify(0, "READY=1");
		d->ready = true;
	}
	failover_flush(&d->sites);
	statefile_pass_end(&d->sites);
	metrics_flush(d, false);
	if (d->ready)
		notify_status(d);
}

int daemon_run(struct daemon *d)
{
	struct ev e;

	loop_on_pass_end(&d->L, pass_settle, pass_end, d);
	loop_pass_end(&d->L);
	while (!d->quit)
		if (loop_once(&d->L, -1) < 0)
			return 1;
	statefile_cancel(&d->sites);
	statefile_flush(&d->sites);
	metrics_flush(d, true);
	sd_notify(0, "STOPPING=1");
	ev_begin(&e, "stopping");
	ev_emit(&e, LOG_NOTICE);
	return 0;
}

void daemon_stop_jobs(struct daemon *d)
{
	if (d->sites.L)
		jobs_abort_all(&d->sites);
}

void daemon_free(struct daemon *d)
{
	alert_free(&d->alerts);
	if (d->sites.L)
		sites_free(&d->sites);
	if (d->nl)
		netev_close(d);
	addrtab_free(d->tab);
	listeners_close(d->listeners);
	SSL_CTX_free(d->sslctx);
	trust_free_all();
	loop_cancel(&d->L, &d->metrics_timer);
	loop_cancel(&d->L, &d->watchdog);
	loop_free(&d->L);
	policy_free(d->pol);
	policy_free(d->pending);
}
