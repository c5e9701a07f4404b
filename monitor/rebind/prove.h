/* SPDX-License-Identifier: MIT */
/* Proof that a site took: a listener on its endpoint, then a handshake showing its certificate. */
#ifndef CERTBIND_PROVE_H
#define CERTBIND_PROVE_H

#include "monitor/rebind/pipeline.h"

/* The items of one job being proven, in parallel (bounded), with one listener poll for all. */
struct prover {
	struct loop *L;
	SSL_CTX *ssl;
	struct listeners *listeners;
	struct pipe_item *items;
	size_t n;
	struct timer listen_tick;     /* one inet_diag dump serves every item waiting to listen */
	size_t listening, probing;
	/* Added to each site's verify timeout while it waits for its listener: a large
	 * configuration is parsed again by the reload before the new sockets exist. */
	unsigned listen_grace_ms;
	uint64_t started;             /* now_ms() at prove_init: the grace counts from here, and
				       * no handshake's deadline ends before it would */
	/* Items waiting for a handshake slot, first come first served: a freed slot starts the
	 * next at once, and a batch of 10,000 waits without a timer each. */
	struct pipe_item *qhead, *qtail;
	/* An item is decided: ok, or not (it->reason says why). */
	void (*settled)(void *arg, struct pipe_item *it, bool ok);
	void *arg;
};

void prove_init(struct prover *p, const struct pipe_env *env, struct pipe_item *items, size_t n,
		void (*settled)(void *arg, struct pipe_item *it, bool ok), void *arg);
/*
 * Starts proving it: its listener (within its verify timeout), then the handshake. quick: a
 * look before any reload: a missing listener fails at once, quietly.
 */
void prove_start(struct prover *p, struct pipe_item *it, bool quick);
/* Stops every proof in progress; settled is not called. */
void prove_stop(struct prover *p);

#endif
