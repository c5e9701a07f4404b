/* SPDX-License-Identifier: MIT */
/* The rebind pipeline for a batch of sites of one server: render -> check -> reload -> prove. */
#ifndef CERTBIND_PIPELINE_H
#define CERTBIND_PIPELINE_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "monitor/certs/cert.h"
#include "monitor/core/loop.h"
#include "monitor/rebind/driver.h"
#include "netlink/ipaddr.h"
#include "policy/policy.h"

enum pipe_outcome {
	PO_PENDING,
	PO_PROVEN,      /* the endpoint served the certificate (or verify = false: committed) */
	PO_DRY_RUN,     /* -n: logged what it would do */
	PO_FAILED,      /* failed; the site's files were restored (rolled_back) or not */
	PO_KEPT,        /* failed with on_failure = alert: the new files stay, unproven */
	PO_DISABLED,    /* (a disable item) taken out of the server's configuration */
};

struct pipe_tgt;
struct pipe_job;
struct tlsprobe;
struct prover;

/* One site in a job. The caller fills the first part; the outcome is the pipeline's answer. */
struct pipe_item {
	const struct site *site;
	bool wildcard;               /* bind to all addresses (to is ignored) */
	struct ipaddr to;
	bool has_from;               /* the old binding's address is still here: after a */
	struct ipaddr from;          /* rollback, prove it is served again */
	bool initial;                /* a start-up pass at the same binding (see pipe_start) */
	bool force_reload;           /* reload even if no file changes (a new certificate) */
	bool disabling;              /* render it out of the server (its inputs are refused) */
	bool listen_only;            /* proven by its listener alone: a failover standby (the
				      * VIP is on the peer, whom a handshake would reach) */
	unsigned char sha256[32];    /* the certificate the endpoint must serve */
	char fingerprint[FINGERPRINT_LEN];
	void *owner;                 /* the caller's */

	enum pipe_outcome outcome;
	bool rewrote;                /* some target's content changed */
	bool rolled_back;            /* (failed) every file is back as it was */
	char reason[512];            /* (failed) why */
	const char *hint;            /* (failed) what to do about it, or NULL */
	bool disable;                /* (failed) the server refuses its inputs (certificate, key,
				      * include): it must be taken out of its configuration */
	bool again;                  /* (failed) only as part of a batch that failed as a whole,
				      * unnamed by the server's words: not judged alone yet */
	bool unreached;              /* (failed) its new endpoint never answered (no listener, or
				      * the connection refused): the server may not have taken it */
	int old_served;              /* (rolled back, has_from) 1 served again, -1 not, 0 untried */

	/* the pipeline's own */
	struct pipe_job *job;
	struct prover *prover;
	struct pipe_tgt *t;
	size_t nt;
	int phase;
	bool quick;                  /* a first look, before any reload */
	bool tried;                  /* a handshake was started (its timeout runs) */
	bool queued;                 /* waiting in the prover's queue for a handshake slot */
	struct pipe_item *qnext;     /* the prover's queue */
	struct tlsprobe *probe;
	struct watcher w_probe;
	struct timer deadline, retry;
	struct ipaddr tmp_to;        /* while proving the old binding */
	char *tmp_reason;            /* its reason meanwhile (owned; only then: 10,000 items
				      * would carry 5 MB of it) */
};

/* What a job runs with. */
struct pipe_env {
	struct loop *L;
	SSL_CTX *ssl;                /* for the proofs */
	struct listeners *listeners; /* inet_diag, or NULL: the handshake alone decides */
	bool dry_run;
};

/* What a job did to its server. */
struct pipe_report {
	bool reloaded;               /* a reload (or rollback reload) exited 0: runs what is on disk */
	unsigned reload_ms;          /* how long the (first) reload took; 0: none ran */
	unsigned check_ms;           /* how long the (last) check took; 0: none ran */
	bool restarted;              /* the server died after the reload and was started again */
	bool whole;                  /* the batch failed as a whole (check, reload, confirmation,
				      * the server's death, or no new endpoint answered): every
				      * item restored; those the server's words name are culprits,
				      * the others have `again` set */
	const char *words;           /* the checker's error line ("": none); valid in done */
};

typedef void (*pipe_done_fn)(void *arg, struct pipe_item *items, size_t n,
			     const struct pipe_report *r);

/*
 * Starts one job for n items, all sites of srv: render every target, write what changed,
 * run srv's check, reload once, ask the driver whether it took, then prove every site (its
 * listener, then a TLS handshake showing its certificate) in parallel. Sites that failed are
 * restored together and the server is reloaded once more. When no file changed, the sites
 * are proven first, and only a failed proof on a server not known to run what is on disk
 * (srv->synced) makes the job reload and prove again. An initial item (a start-up pass at
 * the same binding) always rolls back when it fails. When two or more sites fail together
 * at one step (see pipe_report.whole), every one is restored, and the server's words (the
 * checker's error line, its error log since the reload) name the culprits. items and srv
 * must outlive the job. done is called once, from the loop, never from inside pipe_start.
 * Returns NULL when out of memory.
 */
struct pipe_job *pipe_start(const struct pipe_env *env, const struct server *srv,
			    struct pipe_item *items, size_t n, pipe_done_fn done, void *arg);
/* Stops a job (shutdown): children killed, written files restored; done is not called. */
void pipe_abort(struct pipe_job *j);

#endif
