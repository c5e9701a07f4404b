// SPDX-License-Identifier: MIT
/* A site's settings: loaded with every rule checked, compared whole, released. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "policy/canon.h"
#include "policy/loadutil.h"
#include "policy/servertype.h"

#define TEMPLATE_MAX (1024 * 1024)

const char *const template_placeholders[] = {
	"site", "address", "port", "endpoint", "certificate", "key", "server_name",
	"fingerprint", NULL,
};

static const struct name_val priorities[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG }, { NULL, 0 },
};
static const struct name_val on_changes[] = {
	{ "alert", ONC_ALERT }, { "rebind", ONC_REBIND }, { "ignore", ONC_IGNORE }, { NULL, 0 },
};
static const struct name_val on_failures[] = {
	{ "rollback", ONF_ROLLBACK }, { "alert", ONF_ALERT }, { NULL, 0 },
};
static const struct name_val san_checks[] = {
	{ "warn", SAN_WARN }, { "require", SAN_REQUIRE }, { "off", SAN_OFF }, { NULL, 0 },
};
static const struct name_val families[] = {
	{ "inet", AF_INET }, { "inet6", AF_INET6 }, { NULL, 0 },
};
static const struct name_val target_types[] = {
	{ "nginx", TGT_NGINX }, { "apache", TGT_APACHE }, { "haproxy", TGT_HAPROXY },
	{ "template", TGT_TEMPLATE }, { NULL, 0 },
};

static const struct name_val host_parts[] = { { "any", 0 }, { "same", 1 }, { NULL, 0 } };

const char *on_change_name(enum on_change c)
{
	return cfg_enum_name(on_changes, (int)c);
}

const char *priority_name(int prio)
{
	return cfg_enum_name(priorities, prio);
}

static bool valid_site_name(const char *n)
{
	size_t len = strlen(n);

	/* A name is one safe path component: {{site}} puts it into file names. */
	if (len < 1 || len > 64 || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	return strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == len;
}

/* As the kernel's dev_valid_name(): 1-15 bytes, not "." or "..", no '/', ':' or space. */
static bool valid_ifname(const char *n)
{
	size_t len = strlen(n);

	if (len < 1 || len >= IF_NAMESIZE || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	for (const unsigned char *c = (const unsigned char *)n; *c; c++)
		if (*c == '/' || *c == ':' || *c <= 0x20 || *c == 0x7f)
			return false;
	return true;
}

static bool valid_hostname(const char *n)
{
	size_t len = strlen(n);

	return len >= 1 && len <= 253 &&
	       strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_*") == len;
}

/* Reads the template and checks that it only uses known placeholders. */
static void load_template(struct loader *L, const config_setting_t *ts, struct target *t)
{
	const config_setting_t *s = config_setting_get_member(ts, "template");
	FILE *f;
	char *buf;
	size_t n;

	if (!t->template_path || t->template_path[0] != '/')
		return;
	f = fopen(t->template_path, "re");
	if (!f) {
		cfg_err_at(L, s, "template \"%s\": %s", t->template_path, strerror(errno));
		return;
	}
	buf = malloc(TEMPLATE_MAX + 1);
	n = buf ? fread(buf, 1, TEMPLATE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf)
		return;
	if (n > TEMPLATE_MAX) {
		cfg_err_at(L, s, "template \"%s\" is larger than %d bytes", t->template_path,
		       TEMPLATE_MAX);
		free(buf);
		return;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		cfg_err_at(L, s, "template \"%s\" is not text", t->template_path);
		free(buf);
		return;
	}
	for (const char *p = buf; (p = strstr(p, "{{")); ) {
		const char *end = strstr(p + 2, "}}");
		const char *const *ph;
		size_t len;

		if (!end) {
			cfg_err_at(L, s, "template \"%s\": unterminated placeholder", t->template_path);
			break;
		}
		len = (size_t)(end - p - 2);
		for (ph = template_placeholders; *ph; ph++)
			if (strlen(*ph) == len && !strncmp(*ph, p + 2, len))
				break;
		if (!*ph)
			cfg_err_at(L, s, "template \"%s\": unknown placeholder {{%.*s}}",
			       t->template_path, (int)(len > 40 ? 40 : len), p + 2);
		p = end + 2;
	}
	t->template_text = buf;
}

static void load_targets(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = { "type", "output", "template", NULL };
	config_setting_t *ts = cfg_member(L, g, "targets", CONFIG_TYPE_LIST, false, NULL);
	int n;

	if (!ts)
		return;
	n = config_setting_length(ts);
	site->targets = calloc((size_t)n + 1, sizeof(*site->targets));
	if (!site->targets)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *t = config_setting_get_elem(ts, (unsigned)i);
		struct target *tg = &site->targets[site->ntargets++];
		int type = -1;

		if (config_setting_type(t) != CONFIG_TYPE_GROUP) {
			cfg_err_at(L, t, "each target must be a group { type = ...; output = ...; }");
			continue;
		}
		cfg_check_keys(L, t, keys, "a target");
		if (!config_setting_get_member(t, "type") && site->server_ref) {
			/* The server's renderer, or a template when one is named. */
			type = config_setting_get_member(t, "template") ? TGT_TEMPLATE : TGT_NGINX;
			tg->typed_by_server = type != TGT_TEMPLATE;
		} else if (!cfg_member(L, t, "type", CONFIG_TYPE_STRING, true,
				       "target (or the site's server)")) {
			continue;
		}
		cfg_enum(L, t, "type", target_types, &type);
		if (type < 0)
			continue;
		tg->type = (enum target_type)type;
		cfg_str(L, t, "output", true, "target", &tg->output);
		cfg_check_path(L, t, "output", tg->output);
		if (tg->type == TGT_TEMPLATE) {
			cfg_str(L, t, "template", true, "template target", &tg->template_path);
			cfg_check_path(L, t, "template", tg->template_path);
			load_template(L, t, tg);
		} else if (config_setting_get_member(t, "template")) {
			cfg_err_at(L, config_setting_get_member(t, "template"),
			       "'template' applies only to targets of type \"template\"");
		}
	}
}

static void load_follow(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = { "interface", "family", "prefix", "host_part", NULL };
	int host = 0;
	config_setting_t *f = cfg_member(L, g, "follow", CONFIG_TYPE_GROUP, false, NULL);
	char *prefix = NULL;
	int fam = AF_UNSPEC;

	if (!f)
		return;
	cfg_check_keys(L, f, keys, "follow");
	cfg_str(L, f, "interface", false, NULL, &site->follow.interface);
	if (site->follow.interface && !valid_ifname(site->follow.interface))
		cfg_err_at(L, config_setting_get_member(f, "interface"),
		       "'interface': \"%s\" is not a valid interface name", site->follow.interface);
	cfg_enum(L, f, "family", families, &fam);
	site->follow.family = fam;
	cfg_enum(L, f, "host_part", host_parts, &host);
	site->follow.same_host = host == 1;
	cfg_str(L, f, "prefix", false, NULL, &prefix);
	if (prefix) {
		const config_setting_t *ps = config_setting_get_member(f, "prefix");
		if (ipaddr_parse_prefix(prefix, &site->follow.prefix, &site->follow.plen) < 0)
			cfg_err_at(L, ps, "'prefix': \"%s\" is not an address prefix (ADDRESS/LENGTH, "
			       "host bits zero)", prefix);
		else if (fam != AF_UNSPEC && fam != site->follow.prefix.family)
			cfg_err_at(L, ps, "'prefix' %s is not of follow.family \"%s\"", prefix,
			       family_name(fam));
		else if (fam == AF_UNSPEC && !site->wildcard && site->addr.family &&
			 site->addr.family != site->follow.prefix.family)
			cfg_err_at(L, ps, "'prefix' %s is not of the family of the site's address "
			       "(set follow.family to follow across families)", prefix);
		else
			site->follow.has_prefix = true;
		free(prefix);
	}
}

/* The driver a site without a declared server gets: its targets' server when they all
 * render for one, else the generic command. */
static enum server_type server_type_of(const struct site *s)
{
	enum server_type t = SRV_COMMAND;

	for (size_t i = 0; i < s->ntargets; i++) {
		enum server_type ti = server_type_of_target(s->targets[i].type);
		if (ti == SRV_COMMAND || (i && ti != t))
			return SRV_COMMAND;
		t = ti;
	}
	return t;
}

/* The site's settings and the templates' content, as one text (see site_equal). */
static void canonicalize(struct site *s, const config_setting_t *g)
{
	const char **extra = calloc(s->ntargets + 1, sizeof(*extra));

	for (size_t i = 0; extra && i < s->ntargets; i++)
		extra[i] = s->targets[i].template_text;
	s->canon = extra ? canon_setting(g, extra, s->ntargets) : NULL;
	free(extra);
}

static void set_defaults(struct site *site, const config_setting_t *g)
{
	site->line = config_setting_source_line(g);
	site->port = 0;
	site->on_change = ONC_ALERT;
	site->reload_timeout_ms = 10000;
	site->verify = true;
	site->verify_timeout_ms = 3000;
	site->on_failure = ONF_ROLLBACK;
	site->san_check = SAN_WARN;
	site->alert_priority = LOG_WARNING;
	site->alert_repeat_s = 3600;
	site->alert_timeout_ms = 10000;
}

/* name, address, port, interface: where the site is. */
static void load_identity(struct loader *L, const config_setting_t *g, struct site *site)
{
	char *addr = NULL;

	cfg_str(L, g, "name", true, "site", &site->name);
	if (site->name && !valid_site_name(site->name))
		cfg_err_at(L, config_setting_get_member(g, "name"),
		       "site name \"%s\" must be 1-64 characters of A-Z a-z 0-9 _ . -, and not "
		       "\".\" or \"..\" (it may name a directory: {{site}})", site->name);
	cfg_str(L, g, "address", true, "site", &addr);
	if (addr) {
		if (!strcmp(addr, "*"))
			site->wildcard = true;
		else if (ipaddr_parse(addr, &site->addr) < 0)
			cfg_err_at(L, config_setting_get_member(g, "address"),
			       "'address': \"%s\" is not an IPv4 or IPv6 address (or \"*\")", addr);
		free(addr);
	}
	cfg_uint(L, g, "port", 1, 65535, true, "site", &site->port);
	cfg_str(L, g, "interface", false, NULL, &site->interface);
	if (site->interface && !valid_ifname(site->interface))
		cfg_err_at(L, config_setting_get_member(g, "interface"),
		       "'interface': \"%s\" is not a valid interface name", site->interface);
}

/* Only {{address}} and {{site}}: reports any other placeholder in s (the setting name). */
static bool known_placeholders(struct loader *L, const config_setting_t *at, const char *name,
			       const char *s)
{
	for (const char *p = s; (p = strstr(p, "{{")); p += 2) {
		bool ok = false;
		for (const char *const *ph = path_placeholders; *ph && !ok; ph++)
			ok = !strncmp(p + 2, *ph, strlen(*ph)) && !strncmp(p + 2 + strlen(*ph), "}}", 2);
		if (!ok) {
			cfg_err_at(L, at, "'%s': only {{address}} and {{site}} may be used here", name);
			return false;
		}
	}
	return true;
}

/* A path that may name the address: checked as it will be, expanded. */
static void load_site_path(struct loader *L, const config_setting_t *g, struct site *site,
			   const char *name, char **out)
{
	char buf[SITE_PATH_MAX];
	struct ipaddr sample;

	cfg_str(L, g, name, true, "site", out);
	if (!*out || !strstr(*out, "{{")) {
		cfg_check_path(L, g, name, *out);
		return;
	}
	if (!known_placeholders(L, config_setting_get_member(g, name), name, *out))
		return;
	site->paths_templated = true;
	/* The site's name never changes: {{site}} is expanded once, here, so that every reader
	 * of the path (certificate loads, rendering, the issue command's environment, show)
	 * sees the real file; only {{address}} varies with the binding. */
	if (site->name && strstr(*out, "{{site}}")) {
		if (site_expand_name(site, *out, buf, sizeof(buf)) < 0) {
			cfg_err_at(L, config_setting_get_member(g, name), "'%s' is too long", name);
			return;
		}
		char *dup = strdup(buf);
		if (dup) {
			free(*out);
			*out = dup;
		}
	}
	site->cert_per_address |= strstr(*out, "{{address}}") != NULL;
	ipaddr_parse("2001:db8::1", &sample);
	if (site_expand(site, *out, &sample, buf, sizeof(buf)) < 0)
		cfg_err_at(L, config_setting_get_member(g, name), "'%s' is too long", name);
	else
		cfg_check_path(L, g, name, buf);
}

/* issue = { command, timeout_ms, renew_before_s }: how a certificate for an address is got. */
static void load_issue(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = { "command", "timeout_ms", "renew_before_s",
					    "backoff_min_s", NULL };
	config_setting_t *s = cfg_member(L, g, "issue", CONFIG_TYPE_GROUP, false, NULL);

	site->issue.timeout_ms = 120000;
	site->issue.renew_before_s = RENEW_BEFORE_THIRD;
	site->issue.backoff_min_s = 60;
	if (!s)
		return;
	cfg_check_keys(L, s, keys, "issue");
	if (!cfg_member(L, s, "command", CONFIG_TYPE_LIST, true, "issue"))
		return;
	cfg_argv(L, s, "command", &site->issue.command);
	for (char **a = site->issue.command; a && *a; a++)
		if (!known_placeholders(L, config_setting_get_member(s, "command"), "command", *a))
			break;
	cfg_uint(L, s, "timeout_ms", 1, 3600000, false, NULL, &site->issue.timeout_ms);
	cfg_uint(L, s, "renew_before_s", 0, 365 * 86400, false, NULL,
		 &site->issue.renew_before_s);
	cfg_uint(L, s, "backoff_min_s", 1, 3600, false, NULL, &site->issue.backoff_min_s);
	if (site->wildcard)
		cfg_err_at(L, s, "'issue' needs a site with one address, not \"*\"");
}

/* certificate, key, server_name. */
static void load_certificate(struct loader *L, const config_setting_t *g, struct site *site)
{
	load_site_path(L, g, site, "certificate", &site->certificate);
	load_site_path(L, g, site, "key", &site->key);
	if (site->cert_per_address && site->wildcard)
		cfg_err_at(L, g, "{{address}} in certificate or key needs a site with one address, "
			   "not \"*\"");
	cfg_bool(L, g, "allow_readable_key", &site->allow_readable_key);
	cfg_str(L, g, "server_name", false, NULL, &site->server_name);
	if (site->server_name && !valid_hostname(site->server_name))
		cfg_err_at(L, config_setting_get_member(g, "server_name"),
		       "'server_name': \"%s\" is not a host name", site->server_name);
}

/* verify = { ... }, san_check, alert = { ... }: how a rebind is proven and failures told. */
static void load_checks(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const vkeys[] = { "enabled", "timeout_ms", "on_failure", "ca_file",
					     "chain", NULL };
	static const char *const akeys[] = { "priority", "repeat_s", "command", "timeout_ms",
					     NULL };
	config_setting_t *s;
	int v;

	if ((s = cfg_member(L, g, "verify", CONFIG_TYPE_GROUP, false, NULL))) {
		cfg_check_keys(L, s, vkeys, "verify");
		cfg_bool(L, s, "enabled", &site->verify);
		cfg_uint(L, s, "timeout_ms", 1, 600000, false, NULL, &site->verify_timeout_ms);
		v = (int)site->on_failure;
		cfg_enum(L, s, "on_failure", on_failures, &v);
		site->on_failure = (enum on_failure)v;
		cfg_str(L, s, "ca_file", false, NULL, &site->verify_ca_file);
		cfg_check_path(L, s, "ca_file", site->verify_ca_file);
		if (site->verify_ca_file && access(site->verify_ca_file, R_OK) < 0)
			cfg_err_at(L, config_setting_get_member(s, "ca_file"), "'ca_file': \"%s\": %s",
				   site->verify_ca_file, strerror(errno));
		cfg_bool(L, s, "chain", &site->verify_chain);
	}
	v = (int)site->san_check;
	cfg_enum(L, g, "san_check", san_checks, &v);
	site->san_check = (enum san_check)v;
	if ((s = cfg_member(L, g, "alert", CONFIG_TYPE_GROUP, false, NULL))) {
		cfg_check_keys(L, s, akeys, "alert");
		cfg_enum(L, s, "priority", priorities, &site->alert_priority);
		cfg_uint(L, s, "repeat_s", 0, 31 * 86400, false, NULL, &site->alert_repeat_s);
		cfg_argv(L, s, "command", &site->alert_command);
		cfg_uint(L, s, "timeout_ms", 1, 3600000, false, NULL, &site->alert_timeout_ms);
	}
}

void sitecfg_load(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = {
		"name", "address", "port", "interface", "certificate", "key", "server_name",
		"on_change", "follow", "targets", "reload", "reload_timeout_ms", "verify",
		"san_check", "alert", "allow_readable_key", "server", "backend", "include", "issue",
		"failover", NULL,
	};
	int v;

	set_defaults(site, g);
	cfg_check_keys(L, g, keys, "a site");
	cfg_str(L, g, "server", false, NULL, &site->server_ref);
	load_identity(L, g, site);
	load_certificate(L, g, site);
	v = (int)site->on_change;
	cfg_enum(L, g, "on_change", on_changes, &v);
	site->on_change = (enum on_change)v;
	load_follow(L, g, site);
	load_targets(L, g, site);
	cfg_argv(L, g, "reload", &site->reload);
	cfg_uint(L, g, "reload_timeout_ms", 1, 3600000, false, NULL, &site->reload_timeout_ms);
	if (site->server_ref && (site->reload || config_setting_get_member(g,
									    "reload_timeout_ms")))
		cfg_err_at(L, config_setting_get_member(g, site->reload ? "reload"
							: "reload_timeout_ms"),
			   "a site with 'server' takes its reload from the server: drop the site's "
			   "'%s'", site->reload ? "reload" : "reload_timeout_ms");
	cfg_str(L, g, "backend", false, NULL, &site->backend);
	if (site->backend && !valid_site_name(site->backend))
		cfg_err_at(L, config_setting_get_member(g, "backend"), "'backend': \"%s\" must be "
			   "1-64 characters of A-Z a-z 0-9 _ . -", site->backend);
	cfg_str(L, g, "include", false, NULL, &site->include);
	cfg_check_path(L, g, "include", site->include);
	load_checks(L, g, site);
	load_issue(L, g, site);
	failovercfg_load(L, g, site);
	if (site->on_change == ONC_REBIND && site->ntargets == 0)
		cfg_err_at(L, g, "site \"%s\": on_change = \"rebind\" needs at least one target",
		       site->name ? site->name : "?");
	site->server_type = server_type_of(site);
	canonicalize(site, g);
}

void sitecfg_free(struct site *s)
{
	free(s->canon);
	free(s->unusable);
	free(s->name);
	free(s->interface);
	free(s->certificate);
	free(s->key);
	free(s->server_name);
	free(s->follow.interface);
	free(s->server_ref);
	free(s->verify_ca_file);
	free(s->backend);
	free(s->include);
	for (size_t i = 0; i < s->ntargets; i++) {
		free(s->targets[i].output);
		free(s->targets[i].template_path);
		free(s->targets[i].template_text);
	}
	free(s->targets);
	argv_free(s->reload);
	argv_free(s->alert_command);
	argv_free(s->issue.command);
	free(s->failover.track_file);
}

bool site_argv_eq(char *const *a, char *const *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b))
			return false;
	return !*a && !*b;
}

bool site_same_server(const struct site *a, const struct site *b)
{
	return a->server && a->server == b->server;
}


bool site_equal(const struct site *a, const struct site *b)
{
	/* Whole canonical forms: a setting added later cannot be forgotten here. */
	return a->canon && b->canon && !strcmp(a->canon, b->canon);
}
