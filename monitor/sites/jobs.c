// SPDX-License-Identifier: MIT
/* Batching per server: sites due in one loop pass share one render/check/reload/prove job. */
#include "monitor/sites/jobs.h"

#include <stdlib.h>
#include <string.h>

#include "monitor/core/log.h"

#define BATCH_WINDOW_MS 100

struct sitejob {
	struct sites *set;
	struct server srv;
	struct server_cfg files_only;   /* the stand-in server of a site without one */
	struct pipe_job *pj;
	struct pipe_item *items;
	size_t n;
	jobs_item_fn on_item;
	jobs_end_fn on_end;
	struct sitejob *next;
};

/* Appends a due site to the list (its destination and flags are set). 0 or -1. */
static int jobs_readd(struct sites *set, struct siteinfo *si)
{
	if (set->ndue == set->capdue) {
		size_t cap = set->capdue ? set->capdue * 2 : 64;
		struct siteinfo **v = realloc(set->due, cap * sizeof(*v));
		if (!v)
			return -1;
		set->due = v;
		set->capdue = cap;
	}
	if (!set->ndue)
		set->due_since = si->due_since;
	set->due[set->ndue++] = si;
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

bool jobs_reserved(const struct sites *set, const struct site *self, const struct ipaddr *a,
		   unsigned port)
{
	/* Two sites deciding in one pass must not both take a new address: the first wins. */
	for (size_t i = 0; i < set->ndue; i++)
		if (set->due[i]->cfg != self && set->due[i]->cfg->port == port &&
		    !set->due[i]->cfg->wildcard && ipaddr_eq(&set->due[i]->due_to, a))
			return true;
	for (const struct sitejob *j = set->jobs; j; j = j->next)
		for (size_t i = 0; i < j->n; i++)
			if (j->items[i].site != self && j->items[i].site->port == port &&
			    !j->items[i].wildcard && ipaddr_eq(&j->items[i].to, a))
				return true;
	return false;
}

bool jobs_server_busy(const struct sites *set, const struct site *cfg)
{
	if (!cfg->server)
		return false;
	for (const struct sitejob *j = set->jobs; j; j = j->next)
		if (site_same_server(j->items[0].site, cfg))
			return true;
	return false;
}

/* What is known of a server (by name: it outlives policy reloads); NULL if nothing yet. */
static struct serverrec *server_rec(const struct sites *set, const struct server_cfg *srv)
{
	for (size_t i = 0; srv && i < set->nservers; i++)
		if (!strcmp(set->servers[i].name, srv->name))
			return &set->servers[i];
	return NULL;
}

static struct serverrec *server_rec_add(struct sites *set, const struct server_cfg *srv)
{
	struct serverrec *v, *s = server_rec(set, srv);

	if (s || !srv)
		return s;
	v = realloc(set->servers, (set->nservers + 1) * sizeof(*v));
	if (!v)
		return NULL;
	set->servers = v;
	s = &set->servers[set->nservers];
	*s = (struct serverrec){ .name = strdup(srv->name) };
	if (!s->name)
		return NULL;
	set->nservers++;
	return s;
}

static bool synced(const struct sites *set, const struct server_cfg *srv)
{
	const struct serverrec *s = server_rec(set, srv);

	return s && s->synced;
}

static void on_job_done(void *arg, struct pipe_item *items, size_t n,
			const struct pipe_report *r)
{
	struct sitejob *j = arg, **pp;
	struct sites *set = j->set;
	struct serverrec *s = r->reload_ms || r->reloaded ? server_rec_add(set, items[0].site->server)
							   : NULL;

	/* Reloaded by us since start: the server runs what is on disk. */
	if (s && r->reloaded)
		s->synced = true;
	if (s && r->reload_ms)
		s->last_reload_ms = r->reload_ms;
	if (s && r->restarted)
		s->restarts++;
	for (pp = &set->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	set->jobs_running--;
	for (size_t i = 0; i < n; i++) {
		struct siteinfo *si = items[i].owner;
		si->job = NULL;
		j->on_item(si, &items[i]);
	}
	j->on_end(set, items[0].site);
	free(j->items);
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

static void start_one(struct sites *set, struct siteinfo **v, size_t n, jobs_item_fn on_item,
		      jobs_end_fn on_end)
{
	struct sitejob *j = calloc(1, sizeof(*j));
	const struct site *first = v[0]->cfg;

	if (j)
		j->items = calloc(n, sizeof(*j->items));
	if (!j || !j->items) {
		free(j);
		log_warnx("out of memory starting a job for %zu site(s)", n);
		return;
	}
	*j = (struct sitejob){ .set = set, .items = j->items, .n = n, .on_item = on_item,
			       .on_end = on_end };
	/* A site without a server only has files written and proven. */
	j->files_only = (struct server_cfg){ .name = first->name, .type = first->server_type,
					     .reload_timeout_ms = first->reload_timeout_ms };
	j->srv = (struct server){ .cfg = first->server ? first->server : &j->files_only,
				  .synced = synced(set, first->server) };
	for (size_t i = 0; i < n; i++) {
		struct siteinfo *si = v[i];
		struct pipe_item *it = &j->items[i];
		it->site = si->cfg;
		it->wildcard = si->cfg->wildcard;
		it->to = si->due_to;
		it->initial = si->due_initial;
		/* After a rollback the old binding is proven again, if its address is still here. */
		it->from = si->fsm.cur;
		it->has_from = !si->cfg->wildcard && si->fsm.cur.family && !it->initial &&
			       !ipaddr_eq(&si->fsm.cur, &si->due_to) &&
			       addrtab_find_usable(set->tab, &si->fsm.cur, 0);
		/* A certificate just issued (or this address's own) is the one to prove; when it is
		 * another than the server has, the server must re-read it even if no file changes. */
		const struct certinfo *ci = si->pending.leaf &&
			ipaddr_eq(&si->pending_for, &si->due_to) ? &si->pending : &si->cert;
		memcpy(it->sha256, ci->sha256, sizeof(it->sha256));
		memcpy(it->fingerprint, ci->fingerprint, sizeof(it->fingerprint));
		it->force_reload = ci == &si->pending &&
				   memcmp(si->pending.sha256, si->cert.sha256, 32);
		it->owner = si;
		si->job = j;
		si->due = false;
	}
	j->next = set->jobs;
	set->jobs = j;
	set->jobs_running++;
	j->pj = pipe_start(&set->env, &j->srv, j->items, n, on_job_done, j);
	if (!j->pj) {
		/* Out of memory: told as a failure of every site, through the same path. */
		for (size_t i = 0; i < n; i++) {
			j->items[i].outcome = PO_FAILED;
			j->items[i].rolled_back = true;
			strcpy(j->items[i].reason, "out of memory");
		}
		on_job_done(j, j->items, n, &(struct pipe_report){ 0 });
	}
}

/*
 * The batch window: a renumbering reaches the sites of one server over a few milliseconds
 * (their settle timers run out one after the other). When another site of this server is
 * about to decide, the job waits for it, up to BATCH_WINDOW_MS after the first site became
 * due, so that all of them share one reload. A lone change never waits.
 */
static uint64_t batch_wait(const struct sites *set, const struct site *server, uint64_t now)
{
	uint64_t until = 0;

	if (!server->server || now >= set->due_since + BATCH_WINDOW_MS)
		return 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct siteinfo *si = &set->v[i];
		if (si->fsm.busy || !timer_armed(&si->settle) || si->settle.when > now + BATCH_WINDOW_MS ||
		    !site_same_server(si->cfg, server))
			continue;
		if (si->settle.when > until)
			until = si->settle.when;
	}
	return until > set->due_since + BATCH_WINDOW_MS ? set->due_since + BATCH_WINDOW_MS : until;
}

static void on_batch_window(void *arg)
{
	/* Nothing to do here: the loop pass that follows starts the jobs that are due. */
}

void jobs_start_due(struct sites *set, jobs_item_fn on_item, jobs_end_fn on_end)
{
	struct siteinfo **due = set->due;
	size_t n = set->ndue, start = 0;
	uint64_t now = now_ms(), wait;

	if (!n)
		return;
	/* Taken over whole: a job's outcome may make sites due for the next pass. */
	set->due = NULL;
	set->ndue = set->capdue = 0;
	qsort(due, n, sizeof(*due), by_server);
	for (size_t i = 1; i <= n; i++) {
		if (i < n && site_same_server(due[start]->cfg, due[i]->cfg))
			continue;
		if ((wait = batch_wait(set, due[start]->cfg, now))) {
			/* Back on the due list; the window's timer brings the next look. */
			for (size_t k = start; k < i; k++)
				jobs_readd(set, due[k]);
			/* Armed in place: re-arming moves it, never adds it twice to the heap. */
			set->batch_timer.fn = on_batch_window;
			set->batch_timer.arg = set;
			loop_arm(set->L, &set->batch_timer, wait + 1);
		} else {
			start_one(set, due + start, i - start, on_item, on_end);
		}
		start = i;
	}
	free(due);
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
		for (size_t i = 0; i < j->n; i++) {
			struct siteinfo *si = j->items[i].owner;
			si->job = NULL;
			if (si->op_done)
				si->op_done(si->op_arg, false, "daemon stopping");
			si->op_done = NULL;
		}
		free(j->items);
		free(j);
	}
	free(set->due);
	set->due = NULL;
	set->ndue = set->capdue = 0;
}

void jobs_free(struct sites *set)
{
	jobs_abort_all(set);
	for (size_t i = 0; i < set->nservers; i++)
		free(set->servers[i].name);
	free(set->servers);
	set->servers = NULL;
	set->nservers = 0;
}
