// SPDX-License-Identifier: MIT
/* Listener waits (inet_diag) and non-blocking TLS handshakes for the sites of one job. */
#include "monitor/rebind/prove.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/core/log.h"
#include "monitor/rebind/targets.h"
#include "monitor/rebind/tlsprobe.h"
#include "monitor/rebind/trust.h"
#include "netlink/listeners.h"
#include "policy/servertype.h"

#define VERIFY_RETRY_MS 100
#define LISTEN_POLL_MS 50
/* Dumping the listeners takes at most 1/LISTEN_POLL_SHARE of the wait: with 20,000 sockets
 * (10,000 sites' old and new, during nginx's reload) a dump costs tens of ms of CPU. */
#define LISTEN_POLL_SHARE 10
/* ... but never so far apart that a site's wait ends between two looks (verify timeouts are
 * seconds; a slow build, ASan, made dumps take 300 ms and a listener was missed). */
#define LISTEN_POLL_MAX_MS 250
#define PROBES_MAX 32          /* handshakes in flight at once, per job */

enum { PP_IDLE, PP_LISTEN, PP_VERIFY, PP_DONE };

static void endpoint_of(const struct pipe_item *it, char *buf, size_t len)
{
	endpoint_str(it->wildcard ? NULL : &it->to, it->site->port, buf, len);
}

static void enqueue(struct prover *p, struct pipe_item *it)
{
	it->queued = true;
	it->qnext = NULL;
	if (p->qtail)
		p->qtail->qnext = it;
	else
		p->qhead = it;
	p->qtail = it;
}

/* A slot is free: the first item still waiting tries in this loop pass. Items decided
 * while they waited (their deadline) are dropped from the queue here. */
static void start_queued(struct prover *p)
{
	while (p->qhead) {
		struct pipe_item *it = p->qhead;
		p->qhead = it->qnext;
		if (!p->qhead)
			p->qtail = NULL;
		if (!it->queued)
			continue;
		it->queued = false;
		loop_arm(p->L, &it->retry, now_ms());
		return;
	}
}

static void stop_probe(struct prover *p, struct pipe_item *it)
{
	if (!it->probe)
		return;
	loop_unwatch(p->L, &it->w_probe);
	tlsprobe_free(it->probe);
	it->probe = NULL;
	p->probing--;
	start_queued(p);
}

/*
 * A handshake's deadline, from its first try: the site's verify timeout, and never before
 * its listener wait would have ended. Right after a reload of a large configuration the new
 * sockets listen before the new workers answer (10,000 nginx blocks: the first 32 handshakes
 * went unanswered for 3 s, failed, and the rollback cost three more reloads).
 */
static uint64_t verify_deadline(const struct prover *p, const struct pipe_item *it)
{
	uint64_t d = now_ms() + it->site->verify_timeout_ms;
	uint64_t wait = p->started + p->listen_grace_ms + it->site->verify_timeout_ms;

	return wait > d ? wait : d;
}

static void settle(struct pipe_item *it, bool ok)
{
	struct prover *p = it->prover;

	if (it->phase == PP_LISTEN)
		p->listening--;
	stop_probe(p, it);
	it->queued = false;
	loop_cancel(p->L, &it->deadline);
	loop_cancel(p->L, &it->retry);
	it->phase = PP_DONE;
	p->settled(p->arg, it, ok);
}

/* A new file nothing listens for: the usual cause is a server that does not read it. */
static const char *include_hint(enum server_type t, char *buf, size_t len)
{
	const char *how = server_type_get(t)->include_hint;

	snprintf(buf, len, "the generated file is new: is it included in the server's "
		 "configuration?%s%s%s", how ? " (" : "", how ? how : "", how ? ")" : "");
	return buf;
}

static void on_deadline(void *arg)
{
	struct pipe_item *it = arg;
	char ep[ENDPOINT_STRLEN], last[384];   /* room for the words around it */
	char hint[256];

	endpoint_of(it, ep, sizeof(ep));
	if (it->phase == PP_LISTEN) {
		/* Said apart from the failure only when there is more to say: a new file the
		 * server may not include. Otherwise the failure's reason says it, once. */
		if (targets_created(it)) {
			struct ev e;
			ev_begin(&e, "listener-missing");
			ev_add(&e, "site", it->site->name);
			ev_add(&e, "endpoint", ep);
			ev_addf(&e, "waited_ms", "%u", it->site->verify_timeout_ms + it->prover->listen_grace_ms);
			ev_add(&e, "reason", "the reload command succeeded but nothing listens there: "
			       "the server did not take the new configuration (check its error log)");
			ev_add(&e, "hint", include_hint(it->site->server_type, hint, sizeof(hint)));
			ev_emit(&e, LOG_ERR);
		}
		snprintf(it->reason, sizeof(it->reason), "nothing listens on %s after the reload", ep);
	} else {
		/* The last attempt's error, cut to fit the words around it. */
		const char *why = it->reason[0] ? it->reason : "no answer";
		size_t n = strnlen(why, sizeof(last) - 1);
		memcpy(last, why, n);
		last[n] = '\0';
		snprintf(it->reason, sizeof(it->reason), "verification of %s failed within %u ms: %s",
			 ep, it->site->verify_timeout_ms, last);
	}
	settle(it, false);
}

static void verify_attempt(void *arg);

static void attempt_later(struct pipe_item *it, uint64_t ms)
{
	loop_arm(it->prover->L, &it->retry, now_ms() + ms);
}

/*
 * verify.ca_file / verify.chain: the served chain must also verify, for the address
 * connected to, as a browser connecting by IP would check it.
 */
static bool chain_verifies(struct pipe_item *it)
{
	const struct site *s = it->site;
	X509_STORE *store;
	char why[256];

	if (!s->verify_ca_file && !s->verify_chain)
		return true;
	store = trust_store(s->verify_ca_file, why, sizeof(why));
	if (!store || tlsprobe_verify_chain(it->probe, store, &it->to, why, sizeof(why)) < 0) {
		snprintf(it->reason, sizeof(it->reason), "%s%s", why,
			 s->verify_ca_file ? " (verify.ca_file)" : " (system trust store)");
		return false;
	}
	return true;
}

static void on_probe(void *arg, uint32_t events)
{
	struct pipe_item *it = arg;
	struct prover *p = it->prover;
	unsigned char digest[32];
	int r = tlsprobe_step(it->probe, digest);

	if (r == 0) {
		loop_rewatch(p->L, &it->w_probe, tlsprobe_events(it->probe));
		return;
	}
	if (r < 0)
		snprintf(it->reason, sizeof(it->reason), "%s", tlsprobe_error(it->probe));
	else
		it->unreached = false;   /* a handshake: the server runs something there */
	bool chain_ok = r == 1 && !memcmp(digest, it->sha256, 32) && chain_verifies(it);
	stop_probe(p, it);
	if (chain_ok) {
		settle(it, true);
		return;
	}
	if (r == 1 && !memcmp(digest, it->sha256, 32)) {
		/* The right certificate, but not one a client would accept here: it->reason. */
		attempt_later(it, VERIFY_RETRY_MS);
		return;
	}
	if (r == 1) {
		char fp[FINGERPRINT_LEN];
		cert_fingerprint_str(digest, fp, sizeof(fp));
		snprintf(it->reason, sizeof(it->reason), "the endpoint serves another certificate (%s)",
			 fp);
	}
	/* A reloading server takes a moment to listen: try again until the deadline. */
	attempt_later(it, VERIFY_RETRY_MS);
}

static void verify_attempt(void *arg)
{
	struct pipe_item *it = arg;
	struct prover *p = it->prover;
	const struct ipaddr *a = &it->to;
	struct ipaddr lo;

	if (p->probing >= PROBES_MAX) {
		/* Bounded concurrency: wait for a slot. Time spent queued behind other sites'
		 * handshakes is not this site's to lose: its timeout starts with its first try. */
		if (!it->tried)
			loop_cancel(p->L, &it->deadline);
		if (!it->queued)
			enqueue(p, it);
		return;
	}
	if (!it->tried)
		loop_arm(p->L, &it->deadline, verify_deadline(p, it));
	it->tried = true;
	if (it->wildcard) {
		/* All addresses: loopback of the family the server must accept on. */
		ipaddr_parse("127.0.0.1", &lo);
		a = &lo;
	}
	it->probe = tlsprobe_start(p->ssl, a, it->site->port, it->site->server_name);
	if (!it->probe) {
		snprintf(it->reason, sizeof(it->reason), "cannot connect: %s", strerror(errno));
		attempt_later(it, VERIFY_RETRY_MS);
		return;
	}
	p->probing++;
	it->w_probe = (struct watcher){ .fd = tlsprobe_fd(it->probe), .cb = on_probe, .arg = it };
	loop_watch(p->L, &it->w_probe, tlsprobe_events(it->probe));
}

static void start_verify(struct pipe_item *it)
{
	struct prover *p = it->prover;

	if (it->phase == PP_LISTEN)
		p->listening--;
	it->phase = PP_VERIFY;
	it->tried = false;
	it->reason[0] = '\0';
	it->retry = (struct timer){ .fn = verify_attempt, .arg = it };
	/* The verification gets its own full timeout, as a separate step after the listener. */
	loop_arm(p->L, &it->deadline, verify_deadline(p, it));
	verify_attempt(it);
}

/* One inet_diag dump for every item still waiting for its listener. */
static void listen_poll(void *arg)
{
	struct prover *p = arg;
	struct listener *v = NULL;
	struct ipaddr any = { .family = AF_INET };
	size_t n = 0;
	uint64_t t0 = now_ms(), every;
	bool have = p->listeners && listeners_dump(p->listeners, &v, &n) == 0;

	every = (now_ms() - t0) * LISTEN_POLL_SHARE;
	if (every < LISTEN_POLL_MS)
		every = LISTEN_POLL_MS;
	if (every > LISTEN_POLL_MAX_MS)
		every = LISTEN_POLL_MAX_MS;

	for (size_t i = 0; i < p->n; i++) {
		struct pipe_item *it = &p->items[i];
		if (it->phase != PP_LISTEN)
			continue;
		/* No inet_diag here: the handshake alone will tell. */
		if (!have || listeners_serve(v, n, it->wildcard ? &any : &it->to, it->site->port)) {
			if (it->listen_only) {
				/* Standby: the server listens on the VIP, all it can show. */
				it->unreached = false;
				if (!have)
					snprintf(it->reason, sizeof(it->reason), "no inet_diag to see "
						 "whether the server listens there");
				settle(it, have);
				continue;
			}
			start_verify(it);
		} else if (it->quick) {
			snprintf(it->reason, sizeof(it->reason), "nothing listens there");
			settle(it, false);
		}
	}
	free(v);
	if (p->listening)
		loop_arm(p->L, &p->listen_tick, now_ms() + every);
}

void prove_init(struct prover *p, const struct pipe_env *env, struct pipe_item *items, size_t n,
		void (*settled)(void *arg, struct pipe_item *it, bool ok), void *arg)
{
	*p = (struct prover){ .L = env->L, .ssl = env->ssl, .listeners = env->listeners,
			      .items = items, .n = n, .settled = settled, .arg = arg,
			      .started = now_ms() };
	p->listen_tick = (struct timer){ .fn = listen_poll, .arg = p };
}

void prove_start(struct prover *p, struct pipe_item *it, bool quick)
{
	it->prover = p;
	it->quick = quick;
	/* Until a handshake completes: the server may not have taken its new configuration
	 * (nginx that cannot bind one address keeps its old one, and meanwhile its new
	 * sockets listen without anyone to answer). */
	it->unreached = true;
	it->queued = false;
	it->phase = PP_LISTEN;
	it->deadline = (struct timer){ .fn = on_deadline, .arg = it };
	it->retry = (struct timer){ .fn = verify_attempt, .arg = it };
	p->listening++;
	loop_arm(p->L, &it->deadline, now_ms() + it->site->verify_timeout_ms + p->listen_grace_ms);
	/* The first look is now (in this loop pass), later ones every LISTEN_POLL_MS, or less
	 * often when a dump is costly. */
	if (!timer_armed(&p->listen_tick))
		loop_arm(p->L, &p->listen_tick, now_ms());
}

void prove_stop(struct prover *p)
{
	if (!p->L)
		return;     /* never started */
	/* The queue first: a probe stopped below must not hand its slot to a queued item. */
	for (struct pipe_item *it = p->qhead; it; it = it->qnext)
		it->queued = false;
	p->qhead = p->qtail = NULL;
	for (size_t i = 0; i < p->n; i++) {
		struct pipe_item *it = &p->items[i];
		if (it->prover != p || it->phase == PP_DONE || it->phase == PP_IDLE)
			continue;
		stop_probe(p, it);
		loop_cancel(p->L, &it->deadline);
		loop_cancel(p->L, &it->retry);
		it->phase = PP_DONE;
	}
	loop_cancel(p->L, &p->listen_tick);
	p->listening = 0;
}
