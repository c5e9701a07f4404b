/* SPDX-License-Identifier: MIT */
/* certbindd's runtime: the event loop, per-site state, and the rebind pipeline. */
#ifndef CERTBIND_DAEMON_H
#define CERTBIND_DAEMON_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "monitor/cert.h"
#include "monitor/proc.h"
#include "monitor/siteindex.h"
#include "monitor/timer.h"
#include "netlink/addrtab.h"
#include "netlink/nlwatch.h"
#include "policy/decide.h"
#include "policy/policy.h"

struct daemon;

/* Something in the epoll set (or, with fd < 0, a child watched through SIGCHLD). */
struct watcher {
	int fd;
	void (*cb)(struct daemon *d, struct watcher *w, uint32_t events);
	void *arg;
	struct watcher *next;    /* SIGCHLD watchers only */
};

enum site_state { SS_BOUND, SS_UNBOUND, SS_FAILED, SS_WILDCARD };

struct job;
struct ctlconn;

struct siteinfo {
	struct ipaddr cur;               /* the binding (ignored when wildcard) */
	enum site_state state;
	const struct site *cfg;          /* in d->pol */
	struct sitegroup *group;         /* in the address index, or NULL */
	size_t gidx;
	struct daemon *d;
	struct certinfo cert;
	bool cert_ok;
	int cur_ifindex;
	long long since;                 /* wall clock of the last state change */
	bool lost_reported;              /* address-lost logged for the current loss */
	bool nocand_reported;            /* no-candidate logged for the current loss */
	bool waiting;                    /* rebind site with no candidate: retry on arrivals */
	struct siteinfo *wnext, *wprev;  /* the waiting list (d->waiting) */
	bool redecide;                   /* something changed while a job ran */
	bool queued;                     /* a rebind waits for its server's running job */
	struct timer settle;
	struct timer cert_timer;         /* next expiry threshold or reminder */
	struct timer remind;             /* alert.repeat_s reminder while unbound */
	unsigned reminders;
	unsigned long rebinds_ok, rebinds_failed;
	long long expiring_logged;       /* wall clock of the last cert-expiring line */
	struct job *job;
	char last_event[32];
	long long last_event_at;
};

struct daemon {
	struct policy *pol;
	struct siteinfo *sites;
	size_t nsites;
	struct siteindex index;          /* sites by current address */

	struct addrtab *tab;
	struct nlwatch *nl;
	int epfd;
	struct watcher w_nl, w_sig, w_timer, w_ctl;
	struct watcher *chld_watchers;   /* children without a pidfd */
	struct timerheap timers;
	uint64_t armed_for;              /* what the timerfd is set to (0 = disarmed) */
	SSL_CTX *sslctx;
	struct listeners *listeners;     /* inet_diag; NULL if unavailable */
	struct timer stale_timer;        /* deferred listener-stale check */
	struct stale { struct ipaddr a; unsigned port; } *stale;   /* reported, still stale */
	size_t nstale;

	const char *config_path;
	bool dry_run;
	bool quit;
	bool reload_pending;
	bool state_dirty, state_failed;
	bool status_dirty;               /* sd_notify STATUS= needs recounting */
	bool metrics_dirty, metrics_failed;
	uint64_t metrics_written;
	struct timer metrics_timer;
	struct timer watchdog;
	uint64_t watchdog_ms;
	size_t jobs_running;
	struct siteinfo *waiting;        /* rebind sites waiting for a matching address */
	struct timer resync_timer;       /* a deferred (rate-limited) netlink resync */
	struct timer nl_pause;           /* storm coalescing: netlink reads resume at expiry */
	uint64_t busy_wakes[4];          /* when the last busy netlink wake-ups happened */
	unsigned busy_next;
	unsigned long long addr_events;
};

/* daemon.c */
void site_event(struct siteinfo *si, const char *event);
/* Puts si on (or takes it off) the list of sites waiting for a replacement address. */
void site_set_waiting(struct siteinfo *si, bool waiting);
void site_index_update(struct daemon *d, struct siteinfo *si);
/* The state file changed: written once at the end of this loop pass (or by flush). */
int daemon_write_state(struct daemon *d);
/* Writes it now if anything changed. 0, or -1 (logged). */
int daemon_flush_state(struct daemon *d);
void daemon_watch(struct daemon *d, struct watcher *w, uint32_t events);
void daemon_unwatch(struct daemon *d, struct watcher *w);
void daemon_after_job(struct daemon *d, struct siteinfo *si);
void decide_ctx_init(struct daemon *d, struct siteinfo *si, struct decide_ctx *ctx);
const char *site_state_name(enum site_state s);

/* pipeline.c: render -> reload -> verify -> commit, or rollback. */
typedef void (*job_done_fn)(void *arg, bool ok, const char *reason);
/*
 * Starts (re)binding si to `to` (NULL: the site's wildcard). initial: a start-up or reload
 * re-render at the same binding. done (may be NULL) is told the outcome. Returns 0 if a job
 * started or completed at once, -1 if refused (reason logged).
 */
int job_start(struct daemon *d, struct siteinfo *si, const struct ipaddr *to, int to_ifindex,
	      bool initial, job_done_fn done, void *done_arg);
void job_abort(struct daemon *d, struct job *j);

/* watch.c: conditions that last (listeners, certificate expiry, kernel settings). */
void watch_init(struct daemon *d);
void watch_free(struct daemon *d);
/* Addresses went away: check for listening sockets left on absent addresses (deferred). */
void watch_addresses_changed(struct daemon *d);
void watch_stale_now(struct daemon *d);
/* Logs certificate problems for si and arms its expiry timer. */
void watch_cert(struct daemon *d, struct siteinfo *si, const struct errlist *errs);
/* Re-reads si's certificate and key before a rebind. 0 usable, -1 not (logged, site failed). */
int watch_recheck_cert(struct daemon *d, struct siteinfo *si);
/* nonlocal_bind: enable (sysctls to 1) or check (warn when off and a server is shared). */
void watch_nonlocal(struct daemon *d);

/* alert.c: runs the site's alert command (if any) for event. */
void site_alert(struct siteinfo *si, const char *event, const char *old, const char *new,
		const char *reason);
void alerts_free(struct daemon *d);

/* metrics.c: the Prometheus textfile; flushed at most once a second unless forced. */
void metrics_flush(struct daemon *d, bool force);

/* control.c */
int control_open(struct daemon *d);
void control_close(struct daemon *d);

#endif

/* daemon.c: lifecycle, for certbindd.c and control.c */
struct daemon_opts {
	const char *config_path;
	bool dry_run;
};
/* Loads the policy (errors printed), opens netlink and the control socket, reconciles. */
int daemon_init(struct daemon *d, const struct daemon_opts *o);
int daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);
/* Re-reads the policy: 0 applied, -1 rejected (errs filled, old policy kept). */
int daemon_reload(struct daemon *d, struct errlist *errs);
struct siteinfo *daemon_site(struct daemon *d, const char *name);
/* Operator rebind: to `to`, or to the best candidate when to is NULL. */
int daemon_rebind(struct daemon *d, struct siteinfo *si, const struct ipaddr *to,
		  job_done_fn done, void *arg, char *err, size_t errlen);
/* The site's candidate replacement addresses (best first). */
size_t daemon_candidates(struct daemon *d, struct siteinfo *si, struct ipaddr *out, size_t max);
