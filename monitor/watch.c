// SPDX-License-Identifier: MIT
/* Conditions that last: stale listeners, certificate expiry, the kernel's nonlocal_bind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/daemon.h"
#include "monitor/log.h"
#include "netlink/listeners.h"

#define STALE_DELAY_MS 1000   /* a storm of losses costs one listener dump a second */

/* --- listening sockets on absent addresses -------------------------------------------- */

static bool was_reported(struct daemon *d, const struct listener *l)
{
	for (size_t i = 0; i < d->nstale; i++)
		if (d->stale[i].port == l->port && ipaddr_eq(&d->stale[i].a, &l->addr))
			return true;
	return false;
}

static const struct site *site_on(struct daemon *d, const struct listener *l)
{
	for (size_t i = 0; i < d->nsites; i++) {
		const struct siteinfo *si = &d->sites[i];
		if (!si->cfg->wildcard && si->cfg->port == l->port &&
		    (ipaddr_eq(&si->cur, &l->addr) || ipaddr_eq(&si->cfg->addr, &l->addr)))
			return si->cfg;
	}
	return NULL;
}

static void stale_check(void *arg)
{
	struct daemon *d = arg;
	struct listener *v = NULL;
	struct stale *now = NULL;
	size_t n = 0, nnow = 0;

	if (!d->listeners || listeners_dump(d->listeners, &v, &n) < 0) {
		free(v);
		return;
	}
	now = calloc(n + 1, sizeof(*now));
	for (size_t i = 0; now && i < n; i++) {
		const struct listener *l = &v[i];
		char ep[ENDPOINT_STRLEN], comm[64] = "";
		const struct site *site;
		struct ev e;
		int pid;

		if (l->any || addrtab_find(d->tab, &l->addr, 0))
			continue;
		now[nnow].a = l->addr;
		now[nnow++].port = l->port;
		if (was_reported(d, l))
			continue;
		site = site_on(d, l);
		if (site && site->on_change == ONC_IGNORE) {
			log_debug("site %s: stale listener on %s (on_change = ignore)", site->name,
				  endpoint_str(&l->addr, l->port, ep, sizeof(ep)));
			continue;
		}
		/* A socket that can never accept again: the exact symptom of a forgotten binding. */
		pid = listeners_owner(l->inode, comm, sizeof(comm));
		ev_begin(&e, "listener-stale");
		if (site)
			ev_add(&e, "site", site->name);
		ev_add(&e, "endpoint", endpoint_str(&l->addr, l->port, ep, sizeof(ep)));
		if (pid) {
			ev_addf(&e, "pid", "%d", pid);
			ev_add(&e, "process", comm);
		}
		ev_add(&e, "reason", "a listening socket is bound to an address this host no "
		       "longer has; it can never accept again");
		ev_emit(&e, LOG_WARNING);
	}
	free(v);
	/* Remember what is stale now: reported once while it lasts, again if it recurs. */
	free(d->stale);
	d->stale = now;
	d->nstale = nnow;
}

void watch_addresses_changed(struct daemon *d)
{
	/* Coalesced: a storm of losses costs one dump. */
	if (!timer_armed(&d->stale_timer))
		timer_arm(&d->timers, &d->stale_timer, now_ms() + STALE_DELAY_MS);
}

void watch_stale_now(struct daemon *d)
{
	timer_cancel(&d->timers, &d->stale_timer);
	stale_check(d);
}

/* --- certificates ---------------------------------------------------------------------- */

static void on_cert_timer(void *arg);

static void arm_at_wall(struct daemon *d, struct timer *t, time_t when)
{
	time_t now = time(NULL);
	/* Far deadlines are fine: the timerfd sleeps until then, no polling. */
	uint64_t delta = when > now ? (uint64_t)(when - now) * 1000 : 0;

	timer_arm(&d->timers, t, now_ms() + delta);
}

static void cert_expired(struct daemon *d, struct siteinfo *si)
{
	struct ev e;

	ev_begin(&e, "cert-expired");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "certificate", si->cfg->certificate);
	ev_add(&e, "reason", "the certificate has expired; the site is skipped until it is "
	       "replaced (then: certbindctl reload)");
	ev_emit(&e, LOG_ERR);
	site_event(si, "cert-expired");
	site_alert(si, "cert-expired", NULL, NULL, "the certificate has expired");
	si->cert_ok = false;
	si->state = SS_FAILED;
	si->since = time(NULL);
	daemon_write_state(d);
}

static void evaluate_cert(struct daemon *d, struct siteinfo *si)
{
	time_t now = time(NULL), warn_from;
	long days;
	struct ev e;

	timer_cancel(&d->timers, &si->cert_timer);
	if (!si->cert_ok || !si->cert.not_after)
		return;
	if (si->cert.not_after <= now) {
		cert_expired(d, si);
		return;
	}
	warn_from = si->cert.not_after - (time_t)d->pol->expiry_warn_days * 86400;
	if (now < warn_from) {
		arm_at_wall(d, &si->cert_timer, warn_from);
		return;
	}
	if (!si->expiring_logged || (si->cfg->alert_repeat_s &&
				     now - si->expiring_logged >= (time_t)si->cfg->alert_repeat_s)) {
		days = cert_days_left(&si->cert, now);
		ev_begin(&e, "cert-expiring");
		ev_add(&e, "site", si->cfg->name);
		ev_addf(&e, "days_left", "%ld", days);
		ev_add(&e, "certificate", si->cfg->certificate);
		ev_emit(&e, LOG_WARNING);
		site_event(si, "cert-expiring");
		site_alert(si, "cert-expiring", NULL, NULL, "the certificate expires soon");
		si->expiring_logged = now;
	}
	/* Next: a reminder, or the moment it expires, whichever comes first. */
	if (si->cfg->alert_repeat_s &&
	    si->expiring_logged + (time_t)si->cfg->alert_repeat_s < si->cert.not_after)
		arm_at_wall(d, &si->cert_timer, si->expiring_logged + (time_t)si->cfg->alert_repeat_s);
	else
		arm_at_wall(d, &si->cert_timer, si->cert.not_after);
}

static void on_cert_timer(void *arg)
{
	struct siteinfo *si = arg;

	evaluate_cert(si->d, si);
}

void watch_cert(struct daemon *d, struct siteinfo *si, const struct errlist *errs)
{
	struct ev e;

	si->cert_timer = (struct timer){ .fn = on_cert_timer, .arg = si };
	for (size_t i = 0; errs && i < errs->n; i++) {
		const char *m = errs->msg[i];
		const char *ev = strstr(m, "has expired") ? "cert-expired" : "cert-unreadable";
		ev_begin(&e, ev);
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "reason", m);
		ev_emit(&e, LOG_ERR);
		site_event(si, ev);
	}
	if (si->cert_ok && si->cfg->server_name &&
	    !cert_names_host(&si->cert, si->cfg->server_name)) {
		ev_begin(&e, "cert-mismatch");
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "server_name", si->cfg->server_name);
		ev_add(&e, "reason", "server_name is not among the certificate's names");
		ev_emit(&e, LOG_WARNING);
		site_event(si, "cert-mismatch");
	}
	evaluate_cert(d, si);
}

int watch_recheck_cert(struct daemon *d, struct siteinfo *si)
{
	struct errlist errs = { 0 };
	struct certinfo ci;

	/* Same files as last checked: nothing to re-read (expiry has its own timer). */
	if (si->cert_ok && cert_unchanged(si->cfg, &si->cert))
		return 0;

	if (cert_load(si->cfg, &ci, &errs, NULL) < 0) {
		cert_free(&si->cert);
		si->cert_ok = false;
		si->state = SS_FAILED;
		si->since = time(NULL);
		watch_cert(d, si, &errs);
		errlist_free(&errs);
		daemon_write_state(d);
		return -1;
	}
	if (memcmp(ci.sha256, si->cert.sha256, sizeof(ci.sha256)))
		log_info("site %s: certificate %s changed on disk; now %s", si->cfg->name,
			 si->cfg->certificate, ci.fingerprint);
	cert_free(&si->cert);
	si->cert = ci;
	si->cert_ok = true;
	return 0;
}

/* --- net.ipv4/ipv6.ip_nonlocal_bind ------------------------------------------------------ */

static const char *const nonlocal_paths[] = {
	"/proc/sys/net/ipv4/ip_nonlocal_bind", "/proc/sys/net/ipv6/ip_nonlocal_bind",
};

static int sysctl_get(const char *path)
{
	char buf[8] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int sysctl_set(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) < 0)
		rc = -1;
	close(fd);
	return rc;
}

static const struct siteinfo *shared_with(struct daemon *d, const struct siteinfo *si)
{
	for (size_t i = 0; i < d->nsites; i++)
		if (&d->sites[i] != si && site_same_server(d->sites[i].cfg, si->cfg))
			return &d->sites[i];
	return NULL;
}

void watch_nonlocal(struct daemon *d)
{
	const struct siteinfo *a = NULL, *b = NULL;
	bool off = false;
	struct ev e;

	if (d->pol->nonlocal_bind == NLB_OFF)
		return;
	if (d->pol->nonlocal_bind == NLB_ENABLE) {
		for (size_t i = 0; i < 2; i++) {
			if (sysctl_get(nonlocal_paths[i]) == 1)
				continue;
			if (d->dry_run) {
				log_info("dry-run: would set %s to 1", nonlocal_paths[i]);
			} else if (sysctl_set(nonlocal_paths[i], "1") < 0) {
				log_warn("nonlocal_bind = enable: cannot write %s", nonlocal_paths[i]);
			} else {
				log_msg(LOG_NOTICE, "nonlocal_bind = enable: set %s to 1, so servers "
					"can bind the addresses of unbound sites", nonlocal_paths[i]);
			}
		}
		return;
	}
	for (size_t i = 0; i < 2; i++)
		off |= sysctl_get(nonlocal_paths[i]) == 0;
	for (size_t i = 0; off && !a && i < d->nsites; i++)
		if ((b = shared_with(d, &d->sites[i])))
			a = &d->sites[i];
	if (!a)
		return;
	ev_begin(&e, "nonlocal-bind-off");
	ev_add(&e, "site", a->cfg->name);
	ev_add(&e, "shares_server_with", b->cfg->name);
	ev_add(&e, "reason", "a server shared by several sites cannot bind the address of an "
	       "unbound one, and then refuses every reload; set nonlocal_bind = \"enable\" "
	       "(net.ipv4/ipv6.ip_nonlocal_bind = 1)");
	ev_emit(&e, LOG_WARNING);
}

void watch_init(struct daemon *d)
{
	d->listeners = listeners_open();
	if (!d->listeners)
		log_warnx("inet_diag unavailable: no listener checks (verification still runs)");
	d->stale_timer = (struct timer){ .fn = stale_check, .arg = d };
	watch_nonlocal(d);
}

void watch_free(struct daemon *d)
{
	listeners_close(d->listeners);
	d->listeners = NULL;
	free(d->stale);
	d->stale = NULL;
	d->nstale = 0;
}
