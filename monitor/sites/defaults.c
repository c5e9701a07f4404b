// SPDX-License-Identifier: MIT
/* Default-binding proofs: one handshake per address and wildcard site, bounded in number. */
#include "monitor/sites/defaults.h"

#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "monitor/core/log.h"
#include "monitor/rebind/tlsprobe.h"
#include "monitor/sites/sitelog.h"

#define DEFAULT_PROBES_MAX 16

struct dprobe {
	struct sites *set;
	struct siteinfo *si;
	struct ipaddr a;
	struct tlsprobe *probe;
	struct watcher w;
	struct timer deadline;
	struct dprobe *next;
};

/* Probes waiting their turn, and those running (at most DEFAULT_PROBES_MAX). */
struct dqueue {
	struct dprobe *head, *tail;
	struct dprobe *running;
	size_t nrunning;
};

static struct dqueue *queue_of(struct sites *set)
{
	if (!set->defaults)
		set->defaults = calloc(1, sizeof(struct dqueue));
	return set->defaults;
}

static bool held_by_specific(const struct sites *set, const struct ipaddr *a, unsigned port)
{
	FOR_SITES_AT(&set->index, a, o)
		if (o->cfg->port == port)
			return true;
	return false;
}

static void remember(struct siteinfo *si, const struct ipaddr *a)
{
	struct ipaddr *v;

	for (size_t i = 0; i < si->ndefaults; i++)
		if (ipaddr_eq(&si->defaults[i], a))
			return;
	v = realloc(si->defaults, (si->ndefaults + 1) * sizeof(*v));
	if (!v)
		return;
	si->defaults = v;
	si->defaults[si->ndefaults++] = *a;
}

static void forget_one(struct siteinfo *si, const struct ipaddr *a)
{
	for (size_t i = 0; i < si->ndefaults; i++)
		if (ipaddr_eq(&si->defaults[i], a)) {
			si->defaults[i] = si->defaults[--si->ndefaults];
			return;
		}
}

static void start_next(struct sites *set);

/* Frees a probe that is off every list. */
static void release(struct dprobe *p)
{
	if (p->probe) {
		loop_unwatch(p->set->L, &p->w);
		tlsprobe_free(p->probe);
	}
	loop_cancel(p->set->L, &p->deadline);
	free(p);
}

/* Takes a running probe out and frees it. */
static void stop(struct dprobe *p)
{
	struct dqueue *q = p->set->defaults;

	for (struct dprobe **pp = &q->running; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	q->nrunning--;
	release(p);
}

/* Says what the address serves: the site's certificate (digest), another, or nothing (why). */
static void report(struct dprobe *p, const unsigned char *digest, const char *why)
{
	char addr[IPADDR_STRLEN], fp[FINGERPRINT_LEN];
	struct ev e;

	ipaddr_str(&p->a, addr, sizeof(addr));
	if (digest && !memcmp(digest, p->si->cert.sha256, 32)) {
		remember(p->si, &p->a);
		ev_begin(&e, "default-served");
		ev_add(&e, "site", p->si->cfg->name);
		ev_add(&e, "address", addr);
		ev_addf(&e, "port", "%u", p->si->cfg->port);
		ev_emit(&e, LOG_INFO);
	} else {
		forget_one(p->si, &p->a);
		if (digest)
			cert_fingerprint_str(digest, fp, sizeof(fp));
		ev_begin(&e, "default-not-served");
		ev_add(&e, "site", p->si->cfg->name);
		ev_add(&e, "address", addr);
		ev_addf(&e, "port", "%u", p->si->cfg->port);
		ev_add(&e, "reason", digest ? "another certificate is served there" : why);
		if (digest)
			ev_add(&e, "fingerprint", fp);
		ev_emit(&e, LOG_WARNING);
		sitelog_event(p->si, "default-not-served");
	}
}

static void finish(struct dprobe *p, const unsigned char *digest, const char *why)
{
	struct sites *set = p->set;

	report(p, digest, why);
	stop(p);
	start_next(set);
}

static void on_probe(void *arg, uint32_t events)
{
	struct dprobe *p = arg;
	unsigned char digest[32];
	int r = tlsprobe_step(p->probe, digest);

	if (r == 0) {
		loop_rewatch(p->set->L, &p->w, tlsprobe_events(p->probe));
		return;
	}
	finish(p, r == 1 ? digest : NULL, r < 0 ? tlsprobe_error(p->probe) : NULL);
}

static void on_deadline(void *arg)
{
	finish(arg, NULL, "no answer within verify.timeout_ms");
}

static void start_next(struct sites *set)
{
	struct dqueue *q = set->defaults;

	while (q && q->head && q->nrunning < DEFAULT_PROBES_MAX) {
		struct dprobe *p = q->head;
		q->head = p->next;
		if (!q->head)
			q->tail = NULL;
		p->next = q->running;
		q->running = p;
		q->nrunning++;
		p->deadline = (struct timer){ .fn = on_deadline, .arg = p };
		p->probe = tlsprobe_start(set->env.ssl, &p->a, p->si->cfg->port, p->si->cfg->server_name);
		if (!p->probe) {
			report(p, NULL, "cannot connect");
			stop(p);
			continue;
		}
		p->w = (struct watcher){ .fd = tlsprobe_fd(p->probe), .cb = on_probe, .arg = p };
		loop_watch(set->L, &p->w, tlsprobe_events(p->probe));
		loop_arm(set->L, &p->deadline, now_ms() + p->si->cfg->verify_timeout_ms);
	}
}

static void enqueue(struct sites *set, struct siteinfo *si, const struct ipaddr *a)
{
	struct dqueue *q = queue_of(set);
	struct dprobe *p = q ? calloc(1, sizeof(*p)) : NULL;

	if (!p)
		return;
	*p = (struct dprobe){ .set = set, .si = si, .a = *a };
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
}

/* Global addresses only: a link-local one cannot be dialled without its interface. */
static bool worth_a_look(const struct addrent *e)
{
	return e->scope == RT_SCOPE_UNIVERSE && addrent_usable(e);
}

void defaults_check(struct sites *set, const struct addrent *e)
{
	/* The address event path: O(1) when no site is a wildcard. */
	if (!set->nwildcard)
		return;
	for (size_t i = 0; i < set->n; i++) {
		struct siteinfo *si = &set->v[i];
		if (!si->cfg->wildcard || si->fsm.state != SS_WILDCARD || !si->fsm.cert_ok)
			continue;
		for (size_t k = 0; k < (e ? 1 : addrtab_count(set->tab)); k++) {
			const struct addrent *x = e ? e : addrtab_at(set->tab, k);
			if (worth_a_look(x) && !held_by_specific(set, &x->ip, si->cfg->port))
				enqueue(set, si, &x->ip);
		}
	}
	start_next(set);
}

void defaults_forget(struct sites *set, const struct ipaddr *a)
{
	if (!set->nwildcard)
		return;
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].cfg->wildcard)
			forget_one(&set->v[i], a);
}

size_t defaults_proven(const struct siteinfo *si, const struct ipaddr **v)
{
	*v = si->defaults;
	return si->ndefaults;
}

void defaults_free(struct sites *set)
{
	struct dqueue *q = set->defaults;

	/* Probes point into the site table: stopped before it is replaced or freed. */
	while (q && q->running) {
		struct dprobe *p = q->running;
		q->running = p->next;
		release(p);
	}
	while (q && q->head) {
		struct dprobe *p = q->head;
		q->head = p->next;
		free(p);
	}
	free(q);
	set->defaults = NULL;
}

void defaults_moved(struct siteinfo *old, struct siteinfo *ns)
{
	old->defaults = NULL;
	old->ndefaults = 0;
}

void defaults_site_free(struct siteinfo *si)
{
	free(si->defaults);
	si->defaults = NULL;
	si->ndefaults = 0;
}
