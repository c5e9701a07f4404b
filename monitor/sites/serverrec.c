// SPDX-License-Identifier: MIT
/* What certbindd knows of each server (by name, across policy reloads): reloaded, restarts. */
#include "monitor/sites/serverrec.h"

#include <stdlib.h>
#include <string.h>

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

bool serverrec_synced(const struct sites *set, const struct server_cfg *srv)
{
	const struct serverrec *s = server_rec(set, srv);

	return s && s->synced;
}

unsigned serverrec_check_ms(const struct sites *set, const struct server_cfg *srv)
{
	const struct serverrec *s = server_rec(set, srv);

	return s ? s->last_check_ms : 0;
}

/* What a job did to its server, remembered by name (it outlives policy reloads). */
void serverrec_note(struct sites *set, const struct server_cfg *srv, const struct pipe_report *r)
{
	struct serverrec *s = r->reload_ms || r->reloaded || r->check_ms ?
			      server_rec_add(set, srv) : NULL;

	if (!s)
		return;
	/* Reloaded by us since start: the server runs what is on disk. */
	s->synced |= r->reloaded;
	if (r->reload_ms)
		s->last_reload_ms = r->reload_ms;
	if (r->check_ms)
		s->last_check_ms = r->check_ms;
	s->restarts += r->restarted;
}
