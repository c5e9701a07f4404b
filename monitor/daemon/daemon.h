/* SPDX-License-Identifier: MIT */
/* certbindd's hub: the loop, netlink, the policy and its sites, and what goes out each pass. */
#ifndef CERTBIND_DAEMON_H
#define CERTBIND_DAEMON_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "monitor/core/loop.h"
#include "monitor/report/alert.h"
#include "monitor/sites/sites.h"
#include "netlink/addrtab.h"
#include "netlink/nlwatch.h"
#include "policy/policy.h"

struct daemon {
	struct loop L;
	struct policy *pol;
	struct sites sites;
	struct alerter alerts;
	struct addrtab *tab;
	SSL_CTX *sslctx;
	struct listeners *listeners;     /* inet_diag; NULL if unavailable */

	/* netlink (netevents.c) */
	struct nlwatch *nl;
	struct watcher w_nl;
	struct timer resync_timer;       /* a deferred (rate-limited) netlink resync */
	struct timer nl_pause;           /* storm coalescing: netlink reads resume at expiry */
	uint64_t busy_wakes[4];          /* when the last busy netlink wake-ups happened */
	unsigned busy_next;
	unsigned long long addr_events;

	const char *config_path;
	bool dry_run;
	bool quit;
	bool ready;                      /* READY=1 sent */
	struct policy *pending;          /* a validated policy waiting for the running jobs */
	bool metrics_failed;             /* metrics.c */
	uint64_t metrics_written;
	struct timer metrics_timer;
	struct timer watchdog;
	uint64_t watchdog_ms;
};

struct daemon_opts {
	const char *config_path;
	bool dry_run;
	/* Is another daemon answering on this control socket? Asked before anything starts
	 * (a second certbindd must never render or reload). NULL: not asked. */
	bool (*running)(const char *control_socket);
};

/* daemon.c */
/* Loads the policy (errors logged), subscribes to netlink, reconciles. 0, or an exit code. */
int daemon_init(struct daemon *d, const struct daemon_opts *o);
/* Runs until SIGTERM/SIGINT. Returns the exit code. */
int daemon_run(struct daemon *d);
/* Stops the jobs in progress (files restored, waiting operators told). */
void daemon_stop_jobs(struct daemon *d);
void daemon_free(struct daemon *d);

/* reload.c: re-reads the policy. 0 applied (or deferred until jobs end), -1 rejected (errs). */
int daemon_reload(struct daemon *d, struct errlist *errs);
/* The policy a deferred reload validated, swapped in now that no job runs. */
void daemon_reload_pending(struct daemon *d);

/* netevents.c: the netlink subscription feeding the sites. 0 or -1. */
int netev_open(struct daemon *d);
void netev_close(struct daemon *d);

/* metrics.c: the Prometheus textfile; written at most once a second unless forced. */
void metrics_flush(struct daemon *d, bool force);

/* nonlocal.c: nonlocal_bind = enable (sysctls to 1) or check (warn when off and shared). */
void nonlocal_apply(struct daemon *d);
/* Warns (once per interface) where IPv4 sites that rebind follow an interface whose
 * promote_secondaries is off. */
void promote_check(struct daemon *d);

#endif
