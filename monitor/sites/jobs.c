// SPDX-License-Identifier: MIT
/* Batching per server: sites due in one loop pass share one render/check/reload/prove job. */
#include "monitor/sites/jobs.h"

#include <stdlib.h>
#include <string.h>

#include "monitor/core/log.h"
#include "monitor/rebind/culprit.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/narrow.h"
#include "monitor/sites/opwait.h"
#include "monitor/sites/serverrec.h"
#include "util/grow.h"

#define BATCH_WINDOW_MS 100

struct sitejob {
	struct sites *set;
	struct server srv;
	struct server_cfg files_only;   /* the stand-in server of a site without one */
	struct pipe_job *pj;
	const struct site *first;    /* a site of the job's server */
	struct pipe_item *items;
	size_t n;
	jobs_item_fn on_item;
	jobs_told_fn on_told;
	jobs_end_fn on_end;
	struct sitejob *next;
	/* A batch that failed as a whole, being narrowed down (narrow.c): the same job goes on
	 * with one group after another, so that the server stays busy until it is over. */
	bool narrowing;
	struct narrow nw;
	size_t nsites, nculprits;   /* in the batch that first failed; judged failed since */
	char **why;                 /* by site (index in the table): its last round's reason */
	struct siteinfo **dis;      /* to take out of the server in the next round */
	size_t ndis;
	bool again_round;           /* this round's `again` items are tried again */
};

static void run_round(struct sitejob *j, struct siteinfo *const *v, size_t n);

/* Appends a due site to the list (its destination and flags are set). 0 or -1. */
static int jobs_readd(struct sites *set, struct siteinfo *si)
{
	if (GROW(set->due, set->ndue, set->capdue, 64) < 0)
		return -1;
	if (!set->ndue)
		set->due_since = si->due_since;
	set->due[set->ndue++] = si;
	if (!si->cfg->wildcard)
		duehash_add(&set->duehash, si->cfg, &si->due_to, si->cfg->port);  /* else broken */
	return 0;
}

int jobs_add(struct siteinfo *si, const struct ipaddr *to, struct where at, bool initial)
{
	struct sites *set = si->set;

	si->due_since = set->ndue ? set->due_since : now_ms();
	si->due_initial = initial;
	si->due_to = to ? *to : (struct ipaddr){ 0 };
	si->due_at = at;
	if (jobs_readd(set, si) < 0)
		return -1;
	si->due = true;
	return 0;
}

/* Sites set aside while their batch is narrowed down keep their destinations. */
static bool narrowed_reserve(const struct sitejob *j, const struct site *self,
			     const struct ipaddr *a, unsigned port)
{
	void **v[3];
	size_t n[3];

	narrow_pending(&j->nw, &v[0], &n[0], &v[1], &n[1], &v[2], &n[2]);
	for (int k = 1; k < 3; k++)
		for (size_t i = 0; i < n[k]; i++) {
			const struct siteinfo *si = v[k][i];
			if (si->cfg != self && si->cfg->port == port && !si->cfg->wildcard &&
			    ipaddr_eq(&si->due_to, a))
				return true;
		}
	return false;
}

/* Two sites deciding in one pass must not both take a new address: the first wins. A
 * renumbering decides every site in one pass: the due list is looked up by hash. */
static bool due_taken(const struct sites *set, const struct site *self, const struct ipaddr *a,
		      unsigned port)
{
	if (!set->duehash.broken)
		return duehash_taken(&set->duehash, self, a, port);
	for (size_t i = 0; i < set->ndue; i++)
		if (set->due[i]->cfg != self && set->due[i]->cfg->port == port &&
		    !set->due[i]->cfg->wildcard && ipaddr_eq(&set->due[i]->due_to, a))
			return true;
	return false;
}

bool jobs_reserved(const struct sites *set, const struct site *self, const struct ipaddr *a,
		   unsigned port)
{
	if (due_taken(set, self, a, port))
		return true;
	for (const struct sitejob *j = set->jobs; j; j = j->next) {
		for (size_t i = 0; i < j->n; i++)
			if (j->items[i].site != self && j->items[i].site->port == port &&
			    !j->items[i].wildcard && ipaddr_eq(&j->items[i].to, a))
				return true;
		if (j->narrowing && narrowed_reserve(j, self, a, port))
			return true;
	}
	return false;
}

bool jobs_server_busy(const struct sites *set, const struct site *cfg)
{
	if (!cfg->server)
		return false;
	for (const struct sitejob *j = set->jobs; j; j = j->next)
		if (site_same_server(j->first, cfg))
			return true;
	return false;
}


static void unlink_job(struct sitejob *j)
{
	struct sites *set = j->set;

	for (struct sitejob **pp = &set->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	set->jobs_running--;
}

static void keep_why(struct sitejob *j, const struct siteinfo *si, const char *why)
{
	size_t k = (size_t)(si - j->set->v);

	if (!j->why)
		j->why = calloc(j->set->n, sizeof(*j->why));
	if (!j->why)
		return;
	free(j->why[k]);
	j->why[k] = strdup(why);
}

/* Held for the next round: to try again (again), or to take out of the server (disable). */
static bool held(const struct sitejob *j, const struct pipe_item *it)
{
	return (j->again_round && it->again) || (it->outcome == PO_FAILED && it->disable);
}

/*
 * Sites of the server outside this job whose certificate, key or include the checker named:
 * the server refuses them whatever is rendered for the others, so they are taken out of it
 * in the next round (they join the job as "disable" items, at their binding).
 */
static void find_bystanders(struct sitejob *j, const char *words)
{
	struct sites *set = j->set;
	char line[400], why[512];

	for (size_t i = 0; words && *words && i < set->n; i++) {
		struct siteinfo *si = &set->v[i];
		struct pipe_item it = { .site = si->cfg, .wildcard = si->cfg->wildcard,
					.to = si->fsm.cur };
		if (si->job || si->fsm.busy || si->fsm.disabled || !si->fsm.renders ||
		    !si->fsm.cert_ok || !site_same_server(si->cfg, j->first) ||
		    culprit_kind(words, &it, line, sizeof(line)) != CK_INPUT)
			continue;
		sitefsm_job_started(&si->fsm);
		si->due_to = si->fsm.cur;
		si->due_initial = true;
		si->due_at = (struct where){ .ifindex = si->fsm.cur_ifindex, .plen = si->fsm.cur_plen };
		si->job = j;
		snprintf(why, sizeof(why), "configuration check failed: %s", line);
		keep_why(j, si, why);
		j->dis[j->ndis++] = si;
	}
}

/* What a round's outcome counts for the planner. */
struct tally {
	struct siteinfo **again;    /* failed only with the whole batch: to try again */
	size_t nagain, named, failed;
};

/* Sorts a round's items: to take out of the server (j->dis), to try again, failed alone. */
static void sort_round(struct sitejob *j, struct pipe_item *items, size_t n,
		       const struct pipe_report *r, struct tally *t)
{
	for (size_t i = 0; i < n; i++) {
		struct siteinfo *si = items[i].owner;
		enum pipe_outcome o = items[i].outcome;
		if (o == PO_FAILED && items[i].disable) {
			j->dis[j->ndis++] = si;
			keep_why(j, si, items[i].reason);
			t->named++;
		} else if (j->again_round && items[i].again) {
			t->again[t->nagain++] = si;
			keep_why(j, si, items[i].reason);
		} else if (o != PO_PROVEN && o != PO_DRY_RUN && o != PO_DISABLED) {
			t->failed++;
			t->named += r->whole;
		}
	}
}

static void tell_batch_failed(const struct sitejob *j, const struct pipe_item *items, size_t n)
{
	struct ev e;

	ev_begin(&e, "batch-failed");
	ev_add(&e, "server", j->first->server ? j->first->server->name : j->first->name);
	ev_addf(&e, "sites", "%zu", n);
	ev_add(&e, "reason", items[0].reason);
	ev_add(&e, "action", "narrowing the batch down to the sites that fail the others");
	ev_emit(&e, LOG_NOTICE);
}

/* The round's tally into the planner: narrowing starts with the first batch that fails. */
static void narrow_round(struct sitejob *j, struct pipe_item *items, size_t n,
			 const struct pipe_report *r, const struct tally *t)
{
	if (t->nagain && !j->narrowing) {
		j->narrowing = true;
		j->nsites = n;
		if (r->whole)
			tell_batch_failed(j, items, n);
	}
	if (!j->narrowing)
		return;
	j->nculprits += t->failed + j->ndis;
	if (narrow_next(&j->nw, (void *const *)t->again, t->nagain, t->named,
			!t->failed && !t->named) < 0)
		log_warnx("out of memory narrowing a failed batch down");
}

/*
 * A round's sites to try again (failed only with the whole batch) go to the planner; sites
 * to take out of the server wait in j->dis. Returns whether another round follows.
 */
static bool plan_next(struct sitejob *j, struct pipe_item *items, size_t n,
		      const struct pipe_report *r)
{
	struct tally t = { .again = calloc(n ? n : 1, sizeof(*t.again)) };

	free(j->dis);
	j->dis = calloc(j->set->n ? j->set->n : 1, sizeof(*j->dis));
	j->ndis = 0;
	if (!t.again || !j->dis) {
		free(t.again);
		return false;
	}
	j->again_round = r->whole;
	find_bystanders(j, r->words);
	if (!r->whole && j->ndis) {
		/* A site alone failed the check on another site's file: once that one is taken
		 * out, it goes again (nobody is held hostage, not even one). */
		for (size_t i = 0; i < n; i++)
			items[i].again = items[i].outcome == PO_FAILED && !items[i].disable;
		j->again_round = true;
	}
	sort_round(j, items, n, r, &t);
	t.named += j->ndis;
	narrow_round(j, items, n, r, &t);
	free(t.again);
	return j->nw.ntrial > 0 || j->ndis > 0;
}

/* A site the narrowing showed to fail its batch (it was never tried alone): told as failed. */
static void tell_convicted(struct sitejob *j, struct siteinfo *si)
{
	struct pipe_item it = { .site = si->cfg, .wildcard = si->cfg->wildcard, .to = si->due_to,
				.initial = si->due_initial, .owner = si, .outcome = PO_FAILED,
				.rolled_back = true };
	const char *why = j->why ? j->why[si - j->set->v] : NULL;

	j->nculprits++;
	snprintf(it.reason, sizeof(it.reason), "the server took its batch without this site and "
		 "failed it with this site (narrowed down in %u rounds): %s", j->nw.rounds,
		 why ? why : "failed as a whole");
	si->job = NULL;
	j->on_item(si, &it);
}

static void narrowing_free(struct sitejob *j)
{
	for (size_t i = 0; j->why && i < j->set->n; i++)
		free(j->why[i]);
	free(j->why);
	j->why = NULL;
	free(j->dis);
	j->dis = NULL;
	j->ndis = 0;
	narrow_free(&j->nw);
}

static void tell_narrowed(const struct sitejob *j, const struct site *first)
{
	struct ev e;

	ev_begin(&e, "batch-isolated");
	ev_add(&e, "server", first->server ? first->server->name : first->name);
	ev_addf(&e, "sites", "%zu", j->nsites);
	ev_addf(&e, "failed", "%zu", j->nculprits);
	ev_addf(&e, "rounds", "%u", j->nw.rounds);
	ev_emit(&e, LOG_NOTICE);
}


/* The planner's next group, with the sites to take out of the server. */
static void next_round(struct sitejob *j)
{
	size_t n = j->nw.ntrial + j->ndis;
	struct siteinfo **v = calloc(n, sizeof(*v));

	if (!v) {
		log_warnx("out of memory narrowing a failed batch down");
		return;
	}
	for (size_t i = 0; i < j->nw.ntrial; i++)
		v[i] = j->nw.trial[i];
	for (size_t i = 0; i < j->ndis; i++) {
		v[j->nw.ntrial + i] = j->dis[i];
		j->dis[i]->due_disable = true;
	}
	run_round(j, v, n);
	free(v);
}

static void on_job_done(void *arg, struct pipe_item *items, size_t n,
			const struct pipe_report *r)
{
	struct sitejob *j = arg;
	struct sites *set = j->set;
	const struct site *first = items[0].site;
	bool more;

	serverrec_note(set, first->server, r);
	more = plan_next(j, items, n, r);
	/* The server stays busy while its batch is narrowed down. */
	if (!more)
		unlink_job(j);
	for (size_t i = 0; i < n; i++) {
		struct siteinfo *si = items[i].owner;
		if (held(j, &items[i]))
			continue;
		/* Taken out of the server: why, from the round that named it. */
		if (items[i].outcome == PO_DISABLED && j->why && j->why[si - set->v])
			snprintf(items[i].reason, sizeof(items[i].reason), "%s", j->why[si - set->v]);
		si->job = NULL;
		si->due_disable = false;
		j->on_item(si, &items[i]);
	}
	if (j->nw.convicted)
		tell_convicted(j, j->nw.convicted);
	j->on_told(set);
	free(j->items);
	j->items = NULL;
	j->n = 0;
	if (more) {
		next_round(j);
		return;
	}
	if (j->narrowing)
		tell_narrowed(j, first);
	narrowing_free(j);
	j->on_end(set, first);
	free(j);
}

/* Sites of one server sort together; sites without a server are each their own. */
static int by_server(const void *a, const void *b)
{
	const struct siteinfo *x = *(struct siteinfo *const *)a, *y = *(struct siteinfo *const *)b;
	const struct server_cfg *p = x->cfg->server, *q = y->cfg->server;

	if (p != q && p && q)
		return p < q ? -1 : 1;
	if (!p != !q)
		return !p ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* A site's part in a round, from what it was due for. */
static void fill_item(struct sitejob *j, struct pipe_item *it, struct siteinfo *si)
{
	*it = (struct pipe_item){ .site = si->cfg, .wildcard = si->cfg->wildcard,
				  .to = si->due_to, .initial = si->due_initial, .owner = si };
	/* After a rollback the old binding is proven again, if its address is still here. */
	it->from = si->fsm.cur;
	it->has_from = !si->cfg->wildcard && si->fsm.cur.family && !it->initial &&
		       !ipaddr_eq(&si->fsm.cur, &si->due_to) &&
		       addrtab_find_usable(j->set->tab, &si->fsm.cur, 0);
	/* A certificate just issued (or this address's own) is the one to prove; when it is
	 * another than the server has, the server must re-read it even if no file changes. */
	const struct certinfo *ci = si->pending.leaf &&
		ipaddr_eq(&si->pending_for, &si->due_to) ? &si->pending : &si->cert;
	memcpy(it->sha256, ci->sha256, sizeof(it->sha256));
	memcpy(it->fingerprint, ci->fingerprint, sizeof(it->fingerprint));
	it->force_reload = ci == &si->pending && memcmp(si->pending.sha256, si->cert.sha256, 32);
	it->disabling = si->due_disable;
	/* A failover standby: the VIP is on the peer, whom a handshake would reach. */
	it->listen_only = si->fsm.failover && !decide_bound(si->cfg, &si->due_to, j->set->tab);
	if (si->fsm.failover && failover_reload_first(si, &si->due_to, it->listen_only))
		it->force_reload = true;
	si->job = j;
	si->due = false;
}

/* One round of j: the pipeline for the sites v (all of j's server). */
static void run_round(struct sitejob *j, struct siteinfo *const *v, size_t n)
{
	j->items = calloc(n, sizeof(*j->items));
	j->n = j->items ? n : 0;
	for (size_t i = 0; i < j->n; i++)
		fill_item(j, &j->items[i], v[i]);
	j->pj = j->items ? pipe_start(&j->set->env, &j->srv, j->items, n, on_job_done, j) : NULL;
	if (j->pj)
		return;
	/* Out of memory: told as a failure of every site, through the same path. */
	log_warnx("out of memory starting a job for %zu site(s)", n);
	if (!j->items) {
		/* Not even room to tell them one by one: they are simply out of the job. */
		for (size_t i = 0; i < n; i++) {
			v[i]->job = NULL;
			j->on_item(v[i], &(struct pipe_item){ .site = v[i]->cfg, .owner = v[i],
				   .outcome = PO_FAILED, .rolled_back = true,
				   .reason = "out of memory" });
		}
		j->on_told(j->set);
		narrowing_free(j);
		unlink_job(j);
		j->on_end(j->set, v[0]->cfg);
		free(j);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		j->items[i].outcome = PO_FAILED;
		j->items[i].rolled_back = true;
		strcpy(j->items[i].reason, "out of memory");
	}
	on_job_done(j, j->items, n, &(struct pipe_report){ 0 });
}

static void start_one(struct sites *set, struct siteinfo **v, size_t n, jobs_item_fn on_item,
		      jobs_told_fn on_told, jobs_end_fn on_end)
{
	struct sitejob *j = calloc(1, sizeof(*j));
	const struct site *first = v[0]->cfg;

	if (!j) {
		log_warnx("out of memory starting a job for %zu site(s)", n);
		return;
	}
	*j = (struct sitejob){ .set = set, .first = first, .on_item = on_item, .on_told = on_told,
			       .on_end = on_end };
	/* A site without a server only has files written and proven. */
	j->files_only = (struct server_cfg){ .name = first->name, .type = first->server_type,
					     .reload_timeout_ms = first->reload_timeout_ms };
	j->srv = (struct server){ .cfg = first->server ? first->server : &j->files_only,
				  .synced = serverrec_synced(set, first->server),
				  .check_ms = serverrec_check_ms(set, first->server) };
	j->next = set->jobs;
	set->jobs = j;
	set->jobs_running++;
	run_round(j, v, n);
}

/*
 * The batch window: a renumbering reaches the sites of one server over a while (the kernel
 * removes a few hundred addresses in ~0.3 s, and their settle timers run out one after the
 * other). While another site of this server is about to decide (within BATCH_WINDOW_MS of
 * now), the job waits for it: the window slides as long as sites keep deciding, up to
 * settle_ms (at least BATCH_WINDOW_MS) after the first became due, so that all of them share
 * one reload. A lone change never waits.
 */
static uint64_t batch_wait(const struct sites *set, const struct site *server, uint64_t now)
{
	unsigned span = set->pol->settle_ms > BATCH_WINDOW_MS ? set->pol->settle_ms
			: BATCH_WINDOW_MS;
	uint64_t until = 0, cap = set->due_since + span;

	if (!server->server || now >= cap)
		return 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct siteinfo *si = &set->v[i];
		if (si->fsm.busy || !timer_armed(&si->settle) || si->settle.when > now + BATCH_WINDOW_MS ||
		    !site_same_server(si->cfg, server))
			continue;
		if (si->settle.when > until)
			until = si->settle.when;
	}
	return until > cap ? cap : until;
}

static void on_batch_window(void *arg)
{
	/* Nothing to do here: the loop pass that follows starts the jobs that are due. */
}

void jobs_start_due(struct sites *set, jobs_item_fn on_item, jobs_told_fn on_told,
		    jobs_end_fn on_end)
{
	struct siteinfo **due = set->due;
	size_t n = set->ndue, start = 0;
	uint64_t now = now_ms(), wait;

	if (!n)
		return;
	/* Taken over whole: a job's outcome may make sites due for the next pass. */
	set->due = NULL;
	set->ndue = set->capdue = 0;
	duehash_clear(&set->duehash);
	qsort(due, n, sizeof(*due), by_server);
	for (size_t i = 1; i <= n; i++) {
		if (i < n && site_same_server(due[start]->cfg, due[i]->cfg))
			continue;
		if (jobs_server_busy(set, due[start]->cfg)) {
			/* One job per server at a time (a re-render must not write files under
			 * another job's check and reload): they wait; its end is the next look. */
			for (size_t k = start; k < i; k++)
				jobs_readd(set, due[k]);
		} else if ((wait = batch_wait(set, due[start]->cfg, now))) {
			/* Back on the due list; the window's timer brings the next look. */
			for (size_t k = start; k < i; k++)
				jobs_readd(set, due[k]);
			/* Armed in place: re-arming moves it, never adds it twice to the heap. */
			set->batch_timer.fn = on_batch_window;
			set->batch_timer.arg = set;
			loop_arm(set->L, &set->batch_timer, wait + 1);
		} else {
			start_one(set, due + start, i - start, on_item, on_told, on_end);
		}
		start = i;
	}
	free(due);
}

static void abort_site(struct siteinfo *si)
{
	si->job = NULL;
	opwait_tell(si, false, "daemon stopping");
}

void jobs_abort_all(struct sites *set)
{
	if (set->L)
		loop_cancel(set->L, &set->batch_timer);
	while (set->jobs) {
		struct sitejob *j = set->jobs;
		set->jobs = j->next;
		set->jobs_running--;
		pipe_abort(j->pj);
		for (size_t i = 0; i < j->n; i++)
			abort_site(j->items[i].owner);
		if (j->narrowing) {
			void **v[3];
			size_t nv[3];
			narrow_pending(&j->nw, &v[0], &nv[0], &v[1], &nv[1], &v[2], &nv[2]);
			for (int k = 1; k < 3; k++)
				for (size_t i = 0; i < nv[k]; i++)
					abort_site(v[k][i]);
		}
		for (size_t i = 0; i < j->ndis; i++)
			abort_site(j->dis[i]);
		narrowing_free(j);
		free(j->items);
		free(j);
	}
	free(set->due);
	set->due = NULL;
	set->ndue = set->capdue = 0;
	duehash_clear(&set->duehash);
}

void jobs_free(struct sites *set)
{
	jobs_abort_all(set);
	duehash_free(&set->duehash);
	for (size_t i = 0; i < set->nservers; i++)
		free(set->servers[i].name);
	free(set->servers);
	set->servers = NULL;
	set->nservers = 0;
}
