// SPDX-License-Identifier: MIT
/* Policy loader: libconfig parses, this file checks every rule and reports all problems. */
#include "policy/policy.h"

#include <errno.h>
#include <libconfig.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define TEMPLATE_MAX (1024 * 1024)

const char *const template_placeholders[] = {
	"site", "address", "port", "endpoint", "certificate", "key", "server_name",
	"fingerprint", NULL,
};

struct loader {
	const char *path;
	struct errlist *errs;
	size_t nerr0;
};

struct name_val {
	const char *name;
	int val;
};

static const struct name_val priorities[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG }, { NULL, 0 },
};

static const struct name_val facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 },
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
static const struct name_val nonlocals[] = {
	{ "check", NLB_CHECK }, { "enable", NLB_ENABLE }, { "off", NLB_OFF }, { NULL, 0 },
};
static const struct name_val families[] = {
	{ "inet", AF_INET }, { "inet6", AF_INET6 }, { NULL, 0 },
};
static const struct name_val target_types[] = {
	{ "nginx", TGT_NGINX }, { "template", TGT_TEMPLATE }, { NULL, 0 },
};

void errlist_add(struct errlist *e, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL, **m;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	m = realloc(e->msg, (e->n + 1) * sizeof(*m));
	if (!m) {
		free(s);
		return;
	}
	e->msg = m;
	e->msg[e->n++] = s;
}

void errlist_free(struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}

static const char *enum_name(const struct name_val *t, int v)
{
	for (; t->name; t++)
		if (t->val == v)
			return t->name;
	return "?";
}

const char *on_change_name(enum on_change c)
{
	return enum_name(on_changes, (int)c);
}

const char *priority_name(int prio)
{
	return enum_name(priorities, prio);
}

__attribute__((format(printf, 3, 4)))
static void err_at(struct loader *L, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	const char *file = s ? config_setting_source_file(s) : NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (s)
		errlist_add(L->errs, "%s:%u: %s", file ? file : L->path,
			    config_setting_source_line(s), msg ? msg : "error");
	else
		errlist_add(L->errs, "%s: %s", L->path, msg ? msg : "error");
	free(msg);
}

static bool failed_since(const struct loader *L, size_t mark)
{
	return L->errs->n > mark;
}

static void check_keys(struct loader *L, const config_setting_t *g, const char *const *allowed,
		       const char *where)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *c = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(c);
		const char *const *a;

		for (a = allowed; *a; a++)
			if (n && !strcmp(*a, n))
				break;
		if (!*a)
			err_at(L, c, "unknown setting '%s' in %s", n ? n : "?", where);
	}
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT: case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	}
	return "something else";
}

/* Looks up name in g with the expected type; reports wrong types and (if required) absence. */
static config_setting_t *member(struct loader *L, const config_setting_t *g, const char *name,
				int type, bool required, const char *where)
{
	config_setting_t *s = config_setting_get_member(g, name);
	int t;

	if (!s) {
		if (required)
			err_at(L, g, "%s: missing required setting '%s'", where, name);
		return NULL;
	}
	t = config_setting_type(s);
	if (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64)
		t = CONFIG_TYPE_INT;
	if (type == CONFIG_TYPE_LIST && t == CONFIG_TYPE_ARRAY)
		t = CONFIG_TYPE_LIST;
	if (t != type) {
		err_at(L, s, "'%s' must be %s, not %s", name, type_name(type),
		       type_name(config_setting_type(s)));
		return NULL;
	}
	return s;
}

static void get_str(struct loader *L, const config_setting_t *g, const char *name, bool required,
		    const char *where, char **out)
{
	config_setting_t *s = member(L, g, name, CONFIG_TYPE_STRING, required, where);

	if (!s)
		return;
	free(*out);
	*out = strdup(config_setting_get_string(s));
}

static void get_uint(struct loader *L, const config_setting_t *g, const char *name, long long min,
		     long long max, bool required, const char *where, unsigned *out)
{
	config_setting_t *s = member(L, g, name, CONFIG_TYPE_INT, required, where);
	long long v;

	if (!s)
		return;
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		err_at(L, s, "'%s' must be between %lld and %lld, not %lld", name, min, max, v);
		return;
	}
	*out = (unsigned)v;
}

static void get_bool(struct loader *L, const config_setting_t *g, const char *name, bool *out)
{
	config_setting_t *s = member(L, g, name, CONFIG_TYPE_BOOL, false, NULL);

	if (s)
		*out = config_setting_get_bool(s);
}

static void get_enum(struct loader *L, const config_setting_t *g, const char *name,
		     const struct name_val *vals, int *out)
{
	config_setting_t *s = member(L, g, name, CONFIG_TYPE_STRING, false, NULL);
	const char *v;
	char choices[256] = "";

	if (!s)
		return;
	v = config_setting_get_string(s);
	for (const struct name_val *t = vals; t->name; t++)
		if (!strcmp(t->name, v)) {
			*out = t->val;
			return;
		}
	for (const struct name_val *t = vals; t->name; t++)
		snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
			 t == vals ? "" : " | ", t->name);
	err_at(L, s, "'%s' must be one of %s, not \"%s\"", name, choices, v);
}

/* Characters that would let a path change the meaning of a rendered server configuration. */
static bool path_safe(const char *p)
{
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (*c < 0x20 || *c == 0x7f || strchr(" \t;{}\"'#$\\", *c))
			return false;
	return true;
}

static void check_path(struct loader *L, const config_setting_t *g, const char *name,
		       const char *p)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!p)
		return;
	if (p[0] != '/')
		err_at(L, s, "'%s' must be an absolute path, not \"%s\"", name, p);
	else if (!path_safe(p))
		err_at(L, s, "'%s' contains a character unsafe in a server configuration "
		       "(white space, control, or one of ;{}\"'#$\\)", name);
}

/* An argv: a non-empty array of strings whose first is an absolute executable. */
static void get_argv(struct loader *L, const config_setting_t *g, const char *name,
		     char ***out)
{
	config_setting_t *s = member(L, g, name, CONFIG_TYPE_LIST, false, NULL);
	int n;
	char **argv;

	if (!s)
		return;
	n = config_setting_length(s);
	if (n < 1) {
		err_at(L, s, "'%s' must name a command: [ \"/absolute/path\", \"arg\", ... ]", name);
		return;
	}
	argv = calloc((size_t)n + 1, sizeof(*argv));
	if (!argv)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			err_at(L, e, "'%s': every element must be a string", name);
			goto bad;
		}
		argv[i] = strdup(config_setting_get_string(e));
	}
	if (argv[0][0] != '/')
		err_at(L, s, "'%s': \"%s\" is not an absolute path (commands run without a shell)",
		       name, argv[0]);
	else if (access(argv[0], X_OK) < 0)
		err_at(L, s, "'%s': \"%s\" is not an executable: %s", name, argv[0],
		       strerror(errno));
	*out = argv;
	return;
bad:
	for (int i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

static void free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static bool valid_site_name(const char *n)
{
	size_t len = strlen(n);

	if (len < 1 || len > 64)
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
		err_at(L, s, "template \"%s\": %s", t->template_path, strerror(errno));
		return;
	}
	buf = malloc(TEMPLATE_MAX + 1);
	n = buf ? fread(buf, 1, TEMPLATE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf)
		return;
	if (n > TEMPLATE_MAX) {
		err_at(L, s, "template \"%s\" is larger than %d bytes", t->template_path,
		       TEMPLATE_MAX);
		free(buf);
		return;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		err_at(L, s, "template \"%s\" is not text", t->template_path);
		free(buf);
		return;
	}
	for (const char *p = buf; (p = strstr(p, "{{")); ) {
		const char *end = strstr(p + 2, "}}");
		const char *const *ph;
		size_t len;

		if (!end) {
			err_at(L, s, "template \"%s\": unterminated placeholder", t->template_path);
			break;
		}
		len = (size_t)(end - p - 2);
		for (ph = template_placeholders; *ph; ph++)
			if (strlen(*ph) == len && !strncmp(*ph, p + 2, len))
				break;
		if (!*ph)
			err_at(L, s, "template \"%s\": unknown placeholder {{%.*s}}",
			       t->template_path, (int)(len > 40 ? 40 : len), p + 2);
		p = end + 2;
	}
	t->template_text = buf;
}

static void load_targets(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = { "type", "output", "template", NULL };
	config_setting_t *ts = member(L, g, "targets", CONFIG_TYPE_LIST, false, NULL);
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
			err_at(L, t, "each target must be a group { type = ...; output = ...; }");
			continue;
		}
		check_keys(L, t, keys, "a target");
		if (!member(L, t, "type", CONFIG_TYPE_STRING, true, "target"))
			continue;
		get_enum(L, t, "type", target_types, &type);
		if (type < 0)
			continue;
		tg->type = (enum target_type)type;
		get_str(L, t, "output", true, "target", &tg->output);
		check_path(L, t, "output", tg->output);
		if (tg->type == TGT_TEMPLATE) {
			get_str(L, t, "template", true, "template target", &tg->template_path);
			check_path(L, t, "template", tg->template_path);
			load_template(L, t, tg);
		} else if (config_setting_get_member(t, "template")) {
			err_at(L, config_setting_get_member(t, "template"),
			       "'template' applies only to targets of type \"template\"");
		}
	}
}

static void load_follow(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = { "interface", "family", "prefix", NULL };
	config_setting_t *f = member(L, g, "follow", CONFIG_TYPE_GROUP, false, NULL);
	char *prefix = NULL;
	int fam = AF_UNSPEC;

	if (!f)
		return;
	check_keys(L, f, keys, "follow");
	get_str(L, f, "interface", false, NULL, &site->follow.interface);
	if (site->follow.interface && !valid_ifname(site->follow.interface))
		err_at(L, config_setting_get_member(f, "interface"),
		       "'interface': \"%s\" is not a valid interface name", site->follow.interface);
	get_enum(L, f, "family", families, &fam);
	site->follow.family = fam;
	get_str(L, f, "prefix", false, NULL, &prefix);
	if (prefix) {
		const config_setting_t *ps = config_setting_get_member(f, "prefix");
		if (ipaddr_parse_prefix(prefix, &site->follow.prefix, &site->follow.plen) < 0)
			err_at(L, ps, "'prefix': \"%s\" is not an address prefix (ADDRESS/LENGTH, "
			       "host bits zero)", prefix);
		else if (fam != AF_UNSPEC && fam != site->follow.prefix.family)
			err_at(L, ps, "'prefix' %s is not of follow.family \"%s\"", prefix,
			       family_name(fam));
		else if (fam == AF_UNSPEC && !site->wildcard && site->addr.family &&
			 site->addr.family != site->follow.prefix.family)
			err_at(L, ps, "'prefix' %s is not of the family of the site's address "
			       "(set follow.family to follow across families)", prefix);
		else
			site->follow.has_prefix = true;
		free(prefix);
	}
}

static void load_site(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = {
		"name", "address", "port", "interface", "certificate", "key", "server_name",
		"on_change", "follow", "targets", "reload", "reload_timeout_ms", "verify",
		"san_check", "alert", "allow_readable_key", NULL,
	};
	static const char *const vkeys[] = { "enabled", "timeout_ms", "on_failure", NULL };
	static const char *const akeys[] = { "priority", "repeat_s", "command", "timeout_ms",
					     NULL };
	config_setting_t *s;
	char *addr = NULL;
	int v;

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

	check_keys(L, g, keys, "a site");
	get_str(L, g, "name", true, "site", &site->name);
	if (site->name && !valid_site_name(site->name))
		err_at(L, config_setting_get_member(g, "name"),
		       "site name \"%s\" must be 1-64 characters of A-Z a-z 0-9 _ . -", site->name);
	get_str(L, g, "address", true, "site", &addr);
	if (addr) {
		if (!strcmp(addr, "*"))
			site->wildcard = true;
		else if (ipaddr_parse(addr, &site->addr) < 0)
			err_at(L, config_setting_get_member(g, "address"),
			       "'address': \"%s\" is not an IPv4 or IPv6 address (or \"*\")", addr);
		free(addr);
	}
	get_uint(L, g, "port", 1, 65535, true, "site", &site->port);
	get_str(L, g, "interface", false, NULL, &site->interface);
	if (site->interface && !valid_ifname(site->interface))
		err_at(L, config_setting_get_member(g, "interface"),
		       "'interface': \"%s\" is not a valid interface name", site->interface);
	get_str(L, g, "certificate", true, "site", &site->certificate);
	check_path(L, g, "certificate", site->certificate);
	get_str(L, g, "key", true, "site", &site->key);
	check_path(L, g, "key", site->key);
	get_bool(L, g, "allow_readable_key", &site->allow_readable_key);
	get_str(L, g, "server_name", false, NULL, &site->server_name);
	if (site->server_name && !valid_hostname(site->server_name))
		err_at(L, config_setting_get_member(g, "server_name"),
		       "'server_name': \"%s\" is not a host name", site->server_name);
	v = (int)site->on_change;
	get_enum(L, g, "on_change", on_changes, &v);
	site->on_change = (enum on_change)v;
	load_follow(L, g, site);
	load_targets(L, g, site);
	get_argv(L, g, "reload", &site->reload);
	get_uint(L, g, "reload_timeout_ms", 1, 3600000, false, NULL, &site->reload_timeout_ms);
	if ((s = member(L, g, "verify", CONFIG_TYPE_GROUP, false, NULL))) {
		check_keys(L, s, vkeys, "verify");
		get_bool(L, s, "enabled", &site->verify);
		get_uint(L, s, "timeout_ms", 1, 600000, false, NULL, &site->verify_timeout_ms);
		v = (int)site->on_failure;
		get_enum(L, s, "on_failure", on_failures, &v);
		site->on_failure = (enum on_failure)v;
	}
	v = (int)site->san_check;
	get_enum(L, g, "san_check", san_checks, &v);
	site->san_check = (enum san_check)v;
	if ((s = member(L, g, "alert", CONFIG_TYPE_GROUP, false, NULL))) {
		check_keys(L, s, akeys, "alert");
		get_enum(L, s, "priority", priorities, &site->alert_priority);
		get_uint(L, s, "repeat_s", 0, 31 * 86400, false, NULL, &site->alert_repeat_s);
		get_argv(L, s, "command", &site->alert_command);
		get_uint(L, s, "timeout_ms", 1, 3600000, false, NULL, &site->alert_timeout_ms);
	}
	if (site->on_change == ONC_REBIND && site->ntargets == 0)
		err_at(L, g, "site \"%s\": on_change = \"rebind\" needs at least one target",
		       site->name ? site->name : "?");
}

static void load_global(struct loader *L, const config_setting_t *root, struct policy *p)
{
	static const char *const keys[] = {
		"state_file", "control_socket", "settle_ms", "expiry_warn_days", "syslog",
		"metrics_file", "nonlocal_bind", NULL,
	};
	static const char *const skeys[] = { "ident", "facility", NULL };
	config_setting_t *g = member(L, root, "global", CONFIG_TYPE_GROUP, false, NULL), *s;
	int v;

	if (!g)
		return;
	check_keys(L, g, keys, "global");
	get_str(L, g, "state_file", false, NULL, &p->state_file);
	check_path(L, g, "state_file", p->state_file);
	get_str(L, g, "control_socket", false, NULL, &p->control_socket);
	check_path(L, g, "control_socket", p->control_socket);
	get_uint(L, g, "settle_ms", 0, 3600000, false, NULL, &p->settle_ms);
	get_uint(L, g, "expiry_warn_days", 0, 3650, false, NULL, &p->expiry_warn_days);
	if ((s = member(L, g, "syslog", CONFIG_TYPE_GROUP, false, NULL))) {
		check_keys(L, s, skeys, "syslog");
		get_str(L, s, "ident", false, NULL, &p->syslog_ident);
		get_enum(L, s, "facility", facilities, &p->syslog_facility);
	}
	if (config_setting_get_member(g, "metrics_file")) {
		get_str(L, g, "metrics_file", false, NULL, &p->metrics_file);
		check_path(L, g, "metrics_file", p->metrics_file);
	}
	v = (int)p->nonlocal_bind;
	get_enum(L, g, "nonlocal_bind", nonlocals, &v);
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
	config_setting_t *list = member(L, root, "sites", CONFIG_TYPE_LIST, false, NULL);
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
			err_at(L, g, "each site must be a group { name = ...; ... }");
			continue;
		}
		p->nsites++;
		load_site(L, g, s);
		if (failed_since(L, mark) || !s->name)
			continue;
		for (size_t j = 0; j + 1 < p->nsites; j++) {
			const struct site *o = &p->sites[j];
			if (!o->name)
				continue;
			if (!strcmp(o->name, s->name))
				err_at(L, g, "duplicate site name \"%s\" (first at line %d)", s->name,
				       o->line);
			else if (same_endpoint(o, s) && s->port)
				err_at(L, g, "site \"%s\" uses the same address, port and server_name "
				       "as site \"%s\" (line %d)", s->name, o->name, o->line);
		}
	}
}

static void set_defaults(struct policy *p)
{
	p->state_file = strdup("/var/lib/certbind/state");
	p->control_socket = strdup("/run/certbind/control.sock");
	p->settle_ms = 1500;
	p->expiry_warn_days = 21;
	p->syslog_ident = strdup("certbind");
	p->syslog_facility = LOG_DAEMON;
	p->nonlocal_bind = NLB_CHECK;
}

static int load(config_t *cfg, int rc, const char *name, struct policy **out,
		struct errlist *errs)
{
	static const char *const keys[] = { "global", "sites", NULL };
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
	set_defaults(p);
	check_keys(&L, config_root_setting(cfg), keys, "the top level");
	load_global(&L, config_root_setting(cfg), p);
	load_sites(&L, config_root_setting(cfg), p);
	if (!config_setting_get_member(config_root_setting(cfg), "sites"))
		errlist_add(errs, "%s: no 'sites' list: nothing to do", name);
	if (failed_since(&L, L.nerr0)) {
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

static void free_site(struct site *s)
{
	free(s->name);
	free(s->interface);
	free(s->certificate);
	free(s->key);
	free(s->server_name);
	free(s->follow.interface);
	for (size_t i = 0; i < s->ntargets; i++) {
		free(s->targets[i].output);
		free(s->targets[i].template_path);
		free(s->targets[i].template_text);
	}
	free(s->targets);
	free_argv(s->reload);
	free_argv(s->alert_command);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsites; i++)
		free_site(&p->sites[i]);
	free(p->sites);
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

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool argv_eq(char *const *a, char *const *b)
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
	return a->reload && b->reload && argv_eq(a->reload, b->reload);
}

bool site_equal(const struct site *a, const struct site *b)
{
	if (!str_eq(a->name, b->name) || a->wildcard != b->wildcard || a->port != b->port ||
	    (!a->wildcard && !ipaddr_eq(&a->addr, &b->addr)) || !str_eq(a->interface, b->interface) ||
	    !str_eq(a->certificate, b->certificate) || !str_eq(a->key, b->key) ||
	    a->allow_readable_key != b->allow_readable_key ||
	    !str_eq(a->server_name, b->server_name) || a->on_change != b->on_change ||
	    !str_eq(a->follow.interface, b->follow.interface) ||
	    a->follow.family != b->follow.family || a->follow.has_prefix != b->follow.has_prefix ||
	    (a->follow.has_prefix && (!ipaddr_eq(&a->follow.prefix, &b->follow.prefix) ||
				      a->follow.plen != b->follow.plen)) ||
	    a->ntargets != b->ntargets || !argv_eq(a->reload, b->reload) ||
	    a->reload_timeout_ms != b->reload_timeout_ms || a->verify != b->verify ||
	    a->verify_timeout_ms != b->verify_timeout_ms || a->on_failure != b->on_failure ||
	    a->san_check != b->san_check || a->alert_priority != b->alert_priority ||
	    a->alert_repeat_s != b->alert_repeat_s || !argv_eq(a->alert_command, b->alert_command) ||
	    a->alert_timeout_ms != b->alert_timeout_ms)
		return false;
	for (size_t i = 0; i < a->ntargets; i++) {
		const struct target *x = &a->targets[i], *y = &b->targets[i];
		if (x->type != y->type || !str_eq(x->output, y->output) ||
		    !str_eq(x->template_path, y->template_path) ||
		    !str_eq(x->template_text, y->template_text))
			return false;
	}
	return true;
}
