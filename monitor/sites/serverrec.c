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

/* What a job did to its server, remembered by name (it outlives policy reloads). */
void serverrec_note(struct sites *set, const struct server_cfg *srv, bool reloaded,
		    unsigned reload_ms, bool restarted)
{
	struct serverrec *s = reload_ms || reloaded ? server_rec_add(set, srv) : NULL;

	if (!s)
		return;
	/* Reloaded by us since start: the server runs what is on disk. */
	s->synced |= reloaded;
	if (reload_ms)
		s->last_reload_ms = reload_ms;
	s->restarts += restarted;
}
