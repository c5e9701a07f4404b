/* SPDX-License-Identifier: MIT */
/* A site's parts (struct siteinfo, each written by one file) and their table (struct sites). */
#ifndef CERTBIND_SITEINFO_H
#define CERTBIND_SITEINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/certs/cert.h"
#include "monitor/core/loop.h"
#include "monitor/report/alert.h"
#include "monitor/rebind/pipeline.h"
#include "monitor/sites/duehash.h"
#include "monitor/sites/siteindex.h"
#include "monitor/sites/sitefsm.h"
#include "netlink/addrtab.h"
#include "policy/policy.h"

struct sites;
struct sitejob;
struct tell;
struct tlsprobe;

/* A failover site's part (failover.c alone writes it). */
struct sitefo {
	size_t track;                    /* its track file: set->tracks[track] */
	enum site_state seen;            /* the state last looked at (for takeover/released) */
	bool ready;                      /* standby: its last readiness proof held */
	bool reread;                     /* its certificate changed: the server must re-read it */
	int healthy;                     /* what its track file was told: 1 yes, 0 no, -1 unknown */
	uint64_t vip_at;                 /* now_ms() when the VIP arrived (takeover), or 0 */
	struct timer check;              /* the periodic proof (holder), or readiness again */
	struct timer attempt_end;        /* the proof's deadline */
	struct tlsprobe *probe;
	struct watcher w_probe;
	unsigned attempts;               /* of the proof in progress */
	char reason[512];                /* why it is not healthy */
};

/* A track file keepalived watches: 1 while any of its sites is unhealthy or unknown. */
struct fotrack {
	char *path;                      /* owned copy */
	int written;                     /* the value on disk, -1: not known yet */
	size_t nbad, nunknown;           /* its sites unhealthy, not known yet */
	bool dirty;                      /* to write at the end of the loop pass */
};

/* Told the outcome of an operator's rebind: ok, or the reason it failed. */
typedef void (*rebind_done_fn)(void *arg, bool ok, const char *reason);

struct siteinfo {
	struct sitefsm fsm;              /* state, binding, report flags: changed only by sitefsm */
	const struct site *cfg;          /* in the table's policy */
	struct sites *set;
	struct sitegroup *group;         /* in the address index, or NULL */
	size_t gidx;
	struct certinfo cert;            /* valid when fsm.cert_ok */
	struct timer settle;
	struct timer cert_timer;         /* next expiry threshold or reminder */
	struct timer remind;             /* alert.repeat_s reminder while unbound */
	struct timer reverify;           /* the next proof of an unverified binding */
	struct timer retry;              /* the next attempt of a failed rebind */
	struct siteinfo *wnext, *wprev;  /* the waiting list */
	long long expiring_logged;       /* wall clock of the last cert-expiring line */
	char last_event[32];
	char last_reason[256];           /* the last event's reason ("" for good news) */
	long long last_event_at;
	/* The job it is in (or due to join at the end of this loop pass). */
	struct sitejob *job;
	bool cert_touched;               /* a file event named its certificate or key */
	bool due, due_initial;
	bool due_disable;                /* the job takes it out of its server (jobs.c) */
	uint64_t due_since;
	struct ipaddr due_to;
	struct where due_at;
	struct ipaddr *defaults;         /* wildcard site: addresses proven to serve it */
	size_t ndefaults;
	rebind_done_fn op_done;          /* an operator waits for this rebind */
	void *op_arg;
	struct issuer *issuer;           /* issue command, backoff, renewal (issue.c), or NULL */
	struct certinfo pending;         /* the certificate a job is proving (pending.leaf) */
	struct ipaddr pending_for;
	unsigned issue_failures;         /* issue commands that failed (metrics) */
	bool issue_initial;              /* the job an issue comes before: initial, and where */
	struct where issue_at;
	struct sitefo *fo;               /* failover sites only (failover.c), else NULL */
};

struct stale { struct ipaddr a; unsigned port; };

/* A server as jobs have seen it (by name: the record outlives policy reloads). */
struct serverrec {
	char *name;                      /* owned copy */
	bool synced;                     /* reloaded by certbindd since it started */
	unsigned last_reload_ms;         /* how long its last reload took */
	unsigned last_check_ms;          /* how long its last check took */
	unsigned restarts;               /* started again after a reload killed it */
};

/* Where the table's entry e (may be NULL) sits. */
static inline struct where addrent_where(const struct addrent *e)
{
	return e ? (struct where){ .ifindex = e->ifindex, .plen = e->prefixlen } : (struct where){ 0 };
}

struct sites {
	struct loop *L;
	const struct addrtab *tab;
	const struct policy *pol;
	struct pipe_env env;             /* loop, TLS context, listeners, dry run */
	uint64_t started_ms;             /* now_ms() at start (startup_grace_ms) */
	struct alerter *alerts;
	struct siteinfo *v;
	size_t n;
	struct siteindex index;          /* sites by current address */
	struct siteinfo *waiting;        /* rebind sites waiting for a matching address */
	size_t nwildcard;                /* wildcard sites (defaults.c looks only if any) */
	struct sitejob *jobs;            /* running */
	size_t jobs_running;
	struct siteinfo **due;           /* join a job at the end of this loop pass */
	size_t ndue, capdue;
	struct duehash duehash;          /* their destinations (jobs.c) */
	uint64_t due_since;              /* when the oldest due site became due */
	struct timer batch_timer;        /* the batch window of a server's job (jobs.c) */
	struct serverrec *servers;       /* servers reloaded since start (jobs.c) */
	size_t nservers;
	struct certnotify *notify;       /* inotify on the certificates' directories */
	struct dqueue *defaults;         /* default-binding proofs (defaults.c) */
	struct timer stale_timer;        /* deferred listener-stale check */
	struct timer state_timer;        /* a coalesced state-file write (statefile.c) */
	uint64_t state_written;          /* now_ms() at the end of the last state-file write */
	unsigned state_spacing;          /* ms from there before the next coalesced write */
	struct stale *stale;             /* reported, still stale */
	size_t nstale;
	struct tell *tells;              /* a round's outcomes still to tell (outcome.c) */
	size_t ntells, captells;
	bool flush_wanted;               /* ... one of which moved a binding */
	struct fotrack *tracks;          /* failover sites' track files (failover.c) */
	size_t ntracks;
	/* The executor (act_apply): lower files that run a transition hand its actions here. */
	void (*apply)(struct siteinfo *si, unsigned acts);
	/* What changed, for the daemon's end of the loop pass. */
	bool state_dirty, state_failed, status_dirty, metrics_dirty;
};

/* What changed, for the end of the loop pass: the state file, systemd's STATUS=, metrics. */
enum sites_change { SC_STATE = 1u << 0, SC_STATUS = 1u << 1, SC_METRICS = 1u << 2,
		    SC_ALL = SC_STATE | SC_STATUS | SC_METRICS };

/* The one way to mark it (each consumer clears its own flag once it has written). */
static inline void sites_changed(struct sites *set, unsigned what)
{
	set->state_dirty |= (what & SC_STATE) != 0;
	set->status_dirty |= (what & SC_STATUS) != 0;
	set->metrics_dirty |= (what & SC_METRICS) != 0;
}

#endif
