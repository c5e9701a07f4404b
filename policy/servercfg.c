// SPDX-License-Identifier: MIT
/* Servers: the `servers` list with each type's Debian defaults, implicit ones, sites tied to them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/loadutil.h"
#include "policy/servertype.h"

/* The loader's names of the types, from the one table (policy/servertype.c). */
static const struct name_val *type_names(void)
{
	static struct name_val v[SRV_COMMAND + 2];

	if (!v[0].name)
		for (int t = 0; t <= SRV_COMMAND; t++)
			v[t] = (struct name_val){ server_type_get((enum server_type)t)->name, t };
	return v;
}

const char *server_type_name(enum server_type t)
{
	return server_type_get(t)->name;
}

static char **argv_of(const char *const *v)
{
	return argv_dup((char *const *)v);
}

/* A default command must exist like one the operator wrote: a typo'd path fails at load. */
static void default_argv(struct loader *L, const config_setting_t *g, struct server_cfg *s,
			 const char *key, char ***argv, const char *const *def)
{
	if (*argv || !def)
		return;
	*argv = argv_of(def);
	if (*argv && access((*argv)[0], X_OK) < 0 && strcmp(key, "start"))
		cfg_err_at(L, g, "server \"%s\": the default %s command %s is not an executable (%s): "
			   "install the server or set %s = [ ... ]", s->name, key, (*argv)[0],
			   strerror(errno), key);
}

static void load_one(struct loader *L, const config_setting_t *g, struct server_cfg *s)
{
	static const char *const keys[] = { "name", "type", "check", "reload", "start",
					    "pid_file", "master_socket", "reload_timeout_ms", "error_log",
					    NULL };
	const struct server_type_info *d;
	int type = -1;

	s->line = config_setting_source_line(g);
	s->reload_timeout_ms = 10000;
	cfg_check_keys(L, g, keys, "a server");
	cfg_str(L, g, "name", true, "server", &s->name);
	if (cfg_member(L, g, "type", CONFIG_TYPE_STRING, true, "server"))
		cfg_enum(L, g, "type", type_names(), &type);
	if (!s->name || type < 0)
		return;
	s->type = (enum server_type)type;
	cfg_argv(L, g, "check", &s->check);
	cfg_argv(L, g, "reload", &s->reload);
	cfg_argv(L, g, "start", &s->start);
	cfg_str(L, g, "pid_file", false, NULL, &s->pid_file);
	cfg_check_path(L, g, "pid_file", s->pid_file);
	cfg_str(L, g, "error_log", false, NULL, &s->error_log);
	cfg_check_path(L, g, "error_log", s->error_log);
	cfg_str(L, g, "master_socket", false, NULL, &s->master_socket);
	cfg_check_path(L, g, "master_socket", s->master_socket);
	cfg_uint(L, g, "reload_timeout_ms", 1, 3600000, false, NULL, &s->reload_timeout_ms);
	d = server_type_get(s->type);
	if (s->master_socket && !d->cli_reload)
		cfg_err_at(L, config_setting_get_member(g, "master_socket"),
			   "'master_socket' applies only to servers of type \"haproxy\"");
	default_argv(L, g, s, "check", &s->check, d->check);
	s->reload_default = !s->reload && d->reload;
	default_argv(L, g, s, "reload", &s->reload, d->reload);
	default_argv(L, g, s, "start", &s->start, d->start);
	if (!s->pid_file && d->pid_file)
		s->pid_file = strdup(d->pid_file);
	if (!s->error_log && d->error_log)
		s->error_log = strdup(d->error_log);
	if (!s->master_socket && d->master_socket)
		s->master_socket = strdup(d->master_socket);
	/* Nothing to reload it by otherwise (command): the operator says how. */
	if (!s->reload && !d->cli_reload)
		cfg_err_at(L, g, "server \"%s\" of type \"%s\" needs reload = [ ... ]", s->name,
			   d->name);
}

/* Implicit servers, one per distinct per-site `reload` argv, come after the declared ones. */
static size_t count_implicit(const struct policy *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nsites; i++) {
		bool seen = false;
		if (!p->sites[i].reload || p->sites[i].server_ref)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !p->sites[j].server_ref && site_argv_eq(p->sites[j].reload,
								       p->sites[i].reload);
		n += !seen;
	}
	return n;
}

static char *joined(char *const *argv)
{
	size_t len = 1;
	char *s;

	for (char *const *a = argv; *a; a++)
		len += strlen(*a) + 1;
	s = calloc(1, len);
	for (char *const *a = argv; s && *a; a++) {
		if (a != argv)
			strcat(s, " ");
		strcat(s, *a);
	}
	return s;
}

/* The shorthand `reload = [...]`: the server is named by its command, typed by its targets. */
static struct server_cfg *implicit_for(struct policy *p, struct site *site)
{
	struct server_cfg *s;

	for (size_t i = 0; i < p->nservers; i++)
		if (p->servers[i].implicit && site_argv_eq(p->servers[i].reload, site->reload))
			return &p->servers[i];
	s = &p->servers[p->nservers++];
	*s = (struct server_cfg){ .name = joined(site->reload), .type = site->server_type,
				  .implicit = true, .reload = argv_dup(site->reload),
				  .reload_timeout_ms = site->reload_timeout_ms, .line = site->line };
	return s;
}

/* A target with no `type` renders for its site's server. */
static void type_targets(struct loader *L, struct site *site, const struct server_cfg *s)
{
	for (size_t i = 0; i < site->ntargets; i++) {
		if (!site->targets[i].typed_by_server)
			continue;
		if (!server_type_get(s->type)->renders)
			errlist_add(L->errs, "%s:%d: site \"%s\": server \"%s\" is of type \"command\": "
				    "its targets need type = \"template\" and a template", L->path,
				    site->line, site->name, s->name);
		else
			site->targets[i].type = server_type_get(s->type)->target;
	}
}

/* What a renderer needs of its site: HAProxy finds a key only by its own rules. */
static void target_rules(struct loader *L, struct site *site)
{
	for (size_t i = 0; i < site->ntargets; i++) {
		if (site->targets[i].type != TGT_HAPROXY || !site->certificate || !site->key)
			continue;
		size_t n = strlen(site->certificate);
		if (!site->backend)
			errlist_add(L->errs, "%s:%d: site \"%s\": a haproxy target needs backend = "
				    "\"NAME\" (the frontend's default_backend)", L->path, site->line,
				    site->name);
		/* A problem of this site alone: it is skipped and the others run, as with a
		 * certificate that cannot be read (never a policy that stops every site). */
		if (strcmp(site->key, site->certificate) &&
		    (strncmp(site->key, site->certificate, n) || strcmp(site->key + n, ".key")) &&
		    asprintf(&site->unusable, "HAProxy loads a certificate's key "
			     "from the same file or from \"%s.key\" beside it: set key to one of "
			     "these (%s:%d)", site->certificate, L->path, site->line) < 0)
			site->unusable = NULL;
		return;
	}
}

static void tie_site(struct loader *L, struct policy *p, struct site *site)
{
	const struct server_cfg *s;

	if (!site->server_ref) {
		if (site->reload)
			site->server = implicit_for(p, site);
		target_rules(L, site);
		return;
	}
	s = policy_server(p, site->server_ref);
	if (!s) {
		errlist_add(L->errs, "%s:%d: site \"%s\": no server named \"%s\" in 'servers'",
			    L->path, site->line, site->name, site->server_ref);
		return;
	}
	site->server = s;
	site->server_type = s->type;
	type_targets(L, site, s);
	target_rules(L, site);
	for (size_t i = 0; i < site->ntargets; i++)

		if (!server_type_fits(s->type, site->targets[i].type))
			errlist_add(L->errs, "%s:%d: site \"%s\": a target of this type cannot be served "
				    "by server \"%s\" (type \"%s\")", L->path, site->line, site->name,
				    s->name, server_type_name(s->type));
}

/* A site moved to another server, or its server to another type, renders anew: its
 * canonical form (site_equal) names both. */
static void canon_server(struct site *site)
{
	char *c = NULL;

	if (site->canon && asprintf(&c, "%s\nserver=%s/%s", site->canon, site->server->name,
				    server_type_name(site->server->type)) > 0) {
		free(site->canon);
		site->canon = c;
	}
}

/* The declared servers, each once by name. */
static void load_declared(struct loader *L, const config_setting_t *list, size_t declared,
			  struct policy *p)
{
	for (size_t i = 0; i < declared; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct server_cfg *s = &p->servers[p->nservers];

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cfg_err_at(L, g, "each server must be a group { name = ...; type = ...; }");
			continue;
		}
		p->nservers++;
		load_one(L, g, s);
		for (size_t j = 0; s->name && j + 1 < p->nservers; j++)
			if (p->servers[j].name && !strcmp(p->servers[j].name, s->name))
				cfg_err_at(L, g, "duplicate server name \"%s\" (first at line %d)",
					   s->name, p->servers[j].line);
	}
}

void servercfg_load(struct loader *L, const config_setting_t *root, struct policy *p)
{
	config_setting_t *list = cfg_member(L, root, "servers", CONFIG_TYPE_LIST, false, NULL);
	size_t declared = list ? (size_t)config_setting_length(list) : 0;

	p->servers = calloc(declared + count_implicit(p) + 1, sizeof(*p->servers));
	if (!p->servers)
		return;
	load_declared(L, list, declared, p);
	for (size_t i = 0; i < p->nsites; i++)
		if (p->sites[i].name)
			tie_site(L, p, &p->sites[i]);
	for (size_t i = 0; i < p->nsites; i++)
		if (p->sites[i].server) {
			((struct server_cfg *)p->sites[i].server)->nsites++;
			canon_server(&p->sites[i]);
		}
	for (size_t i = 0; i < p->nservers; i++)
		if (!p->servers[i].nsites && p->servers[i].name)
			errlist_add(p->warnings, "%s:%d: server \"%s\" has no sites", L->path,
				    p->servers[i].line, p->servers[i].name);
}

void servercfg_free(struct server_cfg *s)
{
	free(s->name);
	argv_free(s->check);
	argv_free(s->reload);
	argv_free(s->start);
	free(s->pid_file);
	free(s->error_log);
	free(s->master_socket);
}

const struct server_cfg *policy_server(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nservers; i++)
		if (p->servers[i].name && !strcmp(p->servers[i].name, name))
			return &p->servers[i];
	return NULL;
}
