// SPDX-License-Identifier: MIT
/* Policy loader: libconfig parses, the loader checks every rule and reports all problems. */
#include "policy/policy.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "policy/loadutil.h"

static const struct name_val facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 },
};
static const struct name_val nonlocals[] = {
	{ "check", NLB_CHECK }, { "enable", NLB_ENABLE }, { "off", NLB_OFF }, { NULL, 0 },
};

static void load_global(struct loader *L, const config_setting_t *root, struct policy *p)
{
	static const char *const keys[] = {
		"state_file", "control_socket", "settle_ms", "expiry_warn_days", "syslog",
		"metrics_file", "nonlocal_bind", "startup_grace_ms", NULL,
	};
	static const char *const skeys[] = { "ident", "facility", NULL };
	config_setting_t *g = cfg_member(L, root, "global", CONFIG_TYPE_GROUP, false, NULL), *s;
	int v;

	if (!g)
		return;
	cfg_check_keys(L, g, keys, "global");
	cfg_str(L, g, "state_file", false, NULL, &p->state_file);
	cfg_check_path(L, g, "state_file", p->state_file);
	cfg_str(L, g, "control_socket", false, NULL, &p->control_socket);
	cfg_check_path(L, g, "control_socket", p->control_socket);
	cfg_uint(L, g, "settle_ms", 0, 3600000, false, NULL, &p->settle_ms);
	cfg_uint(L, g, "startup_grace_ms", 0, 3600000, false, NULL, &p->startup_grace_ms);
	cfg_uint(L, g, "expiry_warn_days", 0, 3650, false, NULL, &p->expiry_warn_days);
	if ((s = cfg_member(L, g, "syslog", CONFIG_TYPE_GROUP, false, NULL))) {
		cfg_check_keys(L, s, skeys, "syslog");
		cfg_str(L, s, "ident", false, NULL, &p->syslog_ident);
		cfg_enum(L, s, "facility", facilities, &p->syslog_facility);
	}
	if (config_setting_get_member(g, "metrics_file")) {
		cfg_str(L, g, "metrics_file", false, NULL, &p->metrics_file);
		cfg_check_path(L, g, "metrics_file", p->metrics_file);
	}
	v = (int)p->nonlocal_bind;
	cfg_enum(L, g, "nonlocal_bind", nonlocals, &v);
	p->nonlocal_bind = (enum nonlocal_bind)v;
}

static bool same_endpoint(const struct site *a, const struct site *b)
{
	if (a->port != b->port || a->wildcard != b->wildcard)
		return false;
	if (!a->wildcard && !ipaddr_eq(&a->addr, &b->addr))
		return false;
	if (!a->server_name || !b->server_name)
		return !a->server_name && !b->server_name;
	return !strcasecmp(a->server_name, b->server_name);
}

static void load_sites(struct loader *L, const config_setting_t *root, struct policy *p)
{
	config_setting_t *list = cfg_member(L, root, "sites", CONFIG_TYPE_LIST, false, NULL);
	int n;

	if (!list)
		return;
	n = config_setting_length(list);
	p->sites = calloc((size_t)n + 1, sizeof(*p->sites));
	if (!p->sites)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct site *s = &p->sites[p->nsites];
		size_t mark = L->errs->n;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cfg_err_at(L, g, "each site must be a group { name = ...; ... }");
			continue;
		}
		p->nsites++;
		sitecfg_load(L, g, s);
		if (cfg_failed_since(L, mark) || !s->name)
			continue;
		for (size_t j = 0; j + 1 < p->nsites; j++) {
			const struct site *o = &p->sites[j];
			if (!o->name)
				continue;
			if (!strcmp(o->name, s->name))
				cfg_err_at(L, g, "duplicate site name \"%s\" (first at line %d)", s->name,
				       o->line);
			else if (same_endpoint(o, s) && s->port)
				cfg_err_at(L, g, "site \"%s\" uses the same address, port and server_name "
				       "as site \"%s\" (line %d)", s->name, o->name, o->line);
		}
	}
}

static void set_defaults(struct policy *p)
{
	p->state_file = strdup("/var/lib/certbind/state");
	p->control_socket = strdup("/run/certbind/control.sock");
	p->settle_ms = 1500;
	p->startup_grace_ms = 10000;
	p->expiry_warn_days = 21;
	p->syslog_ident = strdup("certbind");
	p->syslog_facility = LOG_DAEMON;
	p->nonlocal_bind = NLB_CHECK;
}

static int load(config_t *cfg, int rc, const char *name, struct policy **out,
		struct errlist *errs)
{
	static const char *const keys[] = { "global", "servers", "sites", NULL };
	struct loader L = { .path = name, .errs = errs, .nerr0 = errs->n };
	struct policy *p;

	*out = NULL;
	if (rc != CONFIG_TRUE) {
		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
			errlist_add(errs, "%s: cannot read: %s", name, strerror(errno));
		else
			errlist_add(errs, "%s:%d: %s", config_error_file(cfg) ? config_error_file(cfg)
				    : name, config_error_line(cfg), config_error_text(cfg));
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->path = strdup(name);
	p->warnings = calloc(1, sizeof(*p->warnings));
	set_defaults(p);
	cfg_check_keys(&L, config_root_setting(cfg), keys, "the top level");
	load_global(&L, config_root_setting(cfg), p);
	load_sites(&L, config_root_setting(cfg), p);
	if (p->warnings)
		servercfg_load(&L, config_root_setting(cfg), p);
	if (p->warnings)
		failovercfg_warn(&L, p);

	if (!config_setting_get_member(config_root_setting(cfg), "sites"))
		errlist_add(errs, "%s: no 'sites' list: nothing to do", name);
	if (cfg_failed_since(&L, L.nerr0)) {
		policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int policy_load(const char *path, struct policy **out, struct errlist *errs)
{
	config_t cfg;
	int rc;

	config_init(&cfg);
	rc = load(&cfg, config_read_file(&cfg, path), path, out, errs);
	config_destroy(&cfg);
	return rc;
}

int policy_load_string(const char *text, const char *name, struct policy **out,
		       struct errlist *errs)
{
	config_t cfg;
	int rc;

	config_init(&cfg);
	rc = load(&cfg, config_read_string(&cfg, text), name, out, errs);
	config_destroy(&cfg);
	return rc;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsites; i++)
		sitecfg_free(&p->sites[i]);
	free(p->sites);
	for (size_t i = 0; i < p->nservers; i++)
		servercfg_free(&p->servers[i]);
	free(p->servers);
	if (p->warnings)
		errlist_free(p->warnings);
	free(p->warnings);

	free(p->path);
	free(p->state_file);
	free(p->control_socket);
	free(p->syslog_ident);
	free(p->metrics_file);
	free(p);
}

const struct site *policy_site(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nsites; i++)
		if (!strcmp(p->sites[i].name, name))
			return &p->sites[i];
	return NULL;
}
