/* SPDX-License-Identifier: MIT */
/* A site's state machine: the only writer of its state and report flags. Pure: no I/O. */
#ifndef CERTBIND_SITEFSM_H
#define CERTBIND_SITEFSM_H

#include <stdbool.h>

#include "netlink/ipaddr.h"
#include "policy/decide.h"
#include "policy/policy.h"

/*
 * bound: a handshake proved the binding (or, for a site certbind only watches, its address
 * is there); unverified: the address is there but no handshake proved it yet (retried);
 * unbound: the address is gone; failed: the certificate is unusable, or a rebind failed
 * and its files were kept; wildcard: all addresses; waiting: its address has not appeared
 * since start, within startup_grace_ms (at boot, DHCP is still at work); standby: a failover
 * site whose VIP is on the peer (ready or not: failover.c).
 */
enum site_state { SS_BOUND, SS_UNBOUND, SS_FAILED, SS_WILDCARD, SS_UNVERIFIED, SS_WAITING,
		  SS_STANDBY };

/* Re-verification of an unproven site: 1 s, doubling, at most 5 min. */
#define REVERIFY_MIN_MS 1000u
#define REVERIFY_MAX_MS 300000u
/* A failed rebind is tried again on the same schedule (and at once when its inputs change). */
#define RETRY_MIN_MS REVERIFY_MIN_MS
#define RETRY_MAX_MS REVERIFY_MAX_MS

/* Where an address sits: its interface and prefix length (0: not known). */
struct where {
	int ifindex;
	unsigned plen;
};

struct sitefsm {
	enum site_state state;
	struct ipaddr cur;           /* the binding (ignored when wildcard) */
	int cur_ifindex;
	unsigned cur_plen;           /* the binding's prefix length (follow.host_part) */
	long long since;             /* wall clock of the last state change */
	bool wildcard;               /* fixed: address "*" */
	enum on_change on_change;    /* fixed */
	bool renders;                /* fixed: has targets (certbind renders and proves it) */
	bool failover;               /* fixed: its address is a VIP (absent: standby, not lost) */
	bool issues;                 /* fixed: it has an issue command */
	bool cert_ok;
	bool lost_reported;          /* address-lost logged for the current loss */
	bool nocand_reported;        /* no-candidate logged for the current loss */
	bool waiting;                /* rebind site with no candidate: retry on arrivals */
	bool busy;                   /* in a job (due or running) */
	bool redecide;               /* something changed while in a job */
	bool queued;                 /* a rebind waits for its server's running job */
	unsigned reminders;
	unsigned reverify_ms;        /* the next re-verification's delay; 0: nothing failed */
	unsigned retry_ms;           /* a failed rebind's next attempt: its delay; 0: none due */
	bool disabled;               /* taken out of its server (its inputs were refused) */
	unsigned long rebinds_ok, rebinds_failed;
	unsigned long rollbacks;     /* failed rebinds whose files were restored */
	long long proven_at;         /* wall clock of the last handshake that proved it (0: never) */
	/* A change of state not yet logged by the executor (sitefsm_take_move). */
	bool moved;
	enum site_state moved_from;
	const char *moved_why;       /* a static string */
};

/* What a transition asks its caller to do (a bit set), in this order. */
enum fsm_act {
	FA_SETTLE_CANCEL = 1u << 0,  /* stop the settle timer */
	FA_SETTLE_WINDOW = 1u << 1,  /* (re)start the settle window: decide after settle_ms */
	FA_SETTLE_NOW    = 1u << 2,  /* decide in this loop pass */
	FA_SETTLE_SOON   = 1u << 3,  /* decide in this loop pass, unless a window is running */
	FA_DECIDE        = 1u << 4,  /* decide now and report it (sitefsm_decided) */
	FA_LOG_QUIET     = 1u << 5,  /* debug: came back within settle_ms */
	FA_LOG_RESTORED  = 1u << 6,  /* event=address-restored */
	FA_LOG_LOST      = 1u << 7,  /* event=address-lost */
	FA_ALERT_LOST    = 1u << 8,  /* the alert command, for address-lost */
	FA_LOG_NOCAND    = 1u << 9,  /* event=no-candidate and its alert command */
	FA_REMIND_ARM    = 1u << 10, /* alert.repeat_s reminder (if not armed) */
	FA_REMIND_CANCEL = 1u << 11,
	FA_WAITLIST      = 1u << 12, /* `waiting` changed: put on / take off the waiting list */
	FA_REINDEX       = 1u << 13, /* the binding's address changed: re-index the site */
	FA_STATE_CHANGED = 1u << 14, /* the state file, status and metrics need rewriting */
	FA_FLUSH_STATE   = 1u << 15, /* write the state file now, before anyone is told */
	FA_LOG_REBIND    = 1u << 16, /* event=rebind (old = the binding before the transition) */
	FA_LOG_RENDERED  = 1u << 17, /* event=rendered */
	FA_LOG_FAILED    = 1u << 18, /* event=rebind-failed and its alert command */
	FA_START_JOB     = 1u << 19, /* rebind: re-check the certificate, then join a job */
	FA_START_INITIAL = 1u << 20, /* re-render at the current binding (start-up, reload) */
	FA_QUEUED_GO     = 1u << 21, /* sites queued behind this server's job may now go */
	FA_REVERIFY_ARM  = 1u << 22, /* prove the binding again after reverify_ms */
	FA_REVERIFY_CANCEL = 1u << 23,
	FA_LOG_VERIFIED  = 1u << 24, /* event=verified: an unproven binding is proven now */
	FA_SETTLE_GRACE  = 1u << 25, /* decide when the start-up grace ends (or settle_ms) */
	FA_RETRY_ARM     = 1u << 26, /* try the failed rebind again after retry_ms */
	FA_RETRY_CANCEL  = 1u << 27,
	FA_FAILOVER      = 1u << 28, /* a failover site's readiness or health may have changed */
};

/* A new site; state unbound (or wildcard), or failed when its certificate is unusable. */
void sitefsm_init(struct sitefsm *f, const struct site *cfg, bool cert_ok, long long now);
/* Start-up: the state file's binding for this site (same configured endpoint). */
void sitefsm_restore(struct sitefsm *f, const struct ipaddr *cur, long long since);
/*
 * Start-up / new site: is its address present (sitting at)? in_grace: within
 * startup_grace_ms of the daemon's start, an absent address is awaited, not lost.
 */
unsigned sitefsm_reconcile(struct sitefsm *f, bool present, struct where at, bool in_grace);

/* The site's address went away (or stopped being usable). */
unsigned sitefsm_addr_lost(struct sitefsm *f, long long now);
/* The site's address is back. */
unsigned sitefsm_addr_back(struct sitefsm *f);
/* An address appeared that the site's follow rule matches. */
unsigned sitefsm_addr_wake(struct sitefsm *f);
/* The settle timer fired: FA_DECIDE when a decision is due. */
unsigned sitefsm_settle(struct sitefsm *f);
/* The decision for the site; server_busy: a job of its server is running. */
unsigned sitefsm_decided(struct sitefsm *f, enum action act, bool server_busy, long long now);
/* The alert.repeat_s reminder fired. */
unsigned sitefsm_remind(struct sitefsm *f);

/*
 * Reload: the site's settings were edited, but not its address or port. f is the site as
 * newly set up; old is what it was: the live binding, its history and counters stay.
 */
unsigned sitefsm_carry(struct sitefsm *f, const struct sitefsm *old, bool present,
		       struct where at);

/* The site joined a job. */
void sitefsm_job_started(struct sitefsm *f);
/* The job proved the binding (to / ifindex; ignored for a wildcard site). */
unsigned sitefsm_job_verified(struct sitefsm *f, const struct ipaddr *to, struct where at,
			      bool rewrote, long long now);
/* The job failed; rolled_back: every file is as before; initial: a start-up re-render. */
unsigned sitefsm_job_failed(struct sitefsm *f, const struct ipaddr *to, struct where at,
			    bool initial, bool rolled_back, long long now);
/* The job is over (after verified or failed, or a dry run). */
unsigned sitefsm_job_ended(struct sitefsm *f);
/* Its server's job ended: a site queued behind it decides again. */
unsigned sitefsm_dequeue(struct sitefsm *f);

/*
 * The retry timer fired, or an input changed (certificate replaced): FA_DECIDE when the
 * site's failed rebind should be tried again now; FA_START_INITIAL for a disabled site whose
 * address is here (present).
 */
unsigned sitefsm_retry(struct sitefsm *f, bool present);
/*
 * The job took the site out of its server (the server refused its certificate, key or
 * include): failed, its binding kept as it was, tried again with backoff.
 */
unsigned sitefsm_job_disabled(struct sitefsm *f, bool initial, long long now);

/*
 * A failover site's job ended without the VIP here (it proved readiness, or the VIP left
 * while it proved): standby.
 */
unsigned sitefsm_job_standby(struct sitefsm *f, long long now);
/* A failover site's periodic proof while it holds the VIP: ok, or not. */
unsigned sitefsm_probed(struct sitefsm *f, bool ok, long long now);

/* The re-verification timer fired: FA_START_INITIAL when the site is still unproven. */
unsigned sitefsm_reverify(struct sitefsm *f);

/* The certificate became unusable (unreadable, mismatched, expired). */
unsigned sitefsm_cert_bad(struct sitefsm *f, long long now);
/*
 * A failed certificate is usable again (replaced on disk): the site starts over as at
 * start-up, at its binding; present: is that address there (on ifindex)?
 */
unsigned sitefsm_cert_good(struct sitefsm *f, bool present, struct where at,
			   long long now);

const char *sitefsm_state_name(enum site_state s);
/* The executor's part of a change of state: true (once) when the state changed since the last
 * look, with where from and why; false when nothing changed (or it changed back). */
bool sitefsm_take_move(struct sitefsm *f, enum site_state *from, const char **why);

#endif
