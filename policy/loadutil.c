// SPDX-License-Identifier: MIT
/* Typed look-ups in a libconfig tree, each problem reported with its FILE:LINE. */
#include "policy/loadutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

const char *cfg_enum_name(const struct name_val *t, int v)
{
	for (; t->name; t++)
		if (t->val == v)
			return t->name;
	return "?";
}

void cfg_err_at(struct loader *L, const config_setting_t *s, const char *fmt, ...)
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

bool cfg_failed_since(const struct loader *L, size_t mark)
{
	return L->errs->n > mark;
}

void cfg_check_keys(struct loader *L, const config_setting_t *g, const char *const *allowed,
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
			cfg_err_at(L, c, "unknown setting '%s' in %s", n ? n : "?", where);
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
config_setting_t *cfg_member(struct loader *L, const config_setting_t *g, const char *name,
				int type, bool required, const char *where)
{
	config_setting_t *s = config_setting_get_member(g, name);
	int t;

	if (!s) {
		if (required)
			cfg_err_at(L, g, "%s: missing required setting '%s'", where, name);
		return NULL;
	}
	t = config_setting_type(s);
	if (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64)
		t = CONFIG_TYPE_INT;
	if (type == CONFIG_TYPE_LIST && t == CONFIG_TYPE_ARRAY)
		t = CONFIG_TYPE_LIST;
	if (t != type) {
		cfg_err_at(L, s, "'%s' must be %s, not %s", name, type_name(type),
		       type_name(config_setting_type(s)));
		return NULL;
	}
	return s;
}

void cfg_str(struct loader *L, const config_setting_t *g, const char *name, bool required,
		    const char *where, char **out)
{
	config_setting_t *s = cfg_member(L, g, name, CONFIG_TYPE_STRING, required, where);

	if (!s)
		return;
	free(*out);
	*out = strdup(config_setting_get_string(s));
}

void cfg_uint(struct loader *L, const config_setting_t *g, const char *name, long long min,
		     long long max, bool required, const char *where, unsigned *out)
{
	config_setting_t *s = cfg_member(L, g, name, CONFIG_TYPE_INT, required, where);
	long long v;

	if (!s)
		return;
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		cfg_err_at(L, s, "'%s' must be between %lld and %lld, not %lld", name, min, max, v);
		return;
	}
	*out = (unsigned)v;
}

void cfg_bool(struct loader *L, const config_setting_t *g, const char *name, bool *out)
{
	config_setting_t *s = cfg_member(L, g, name, CONFIG_TYPE_BOOL, false, NULL);

	if (s)
		*out = config_setting_get_bool(s);
}

void cfg_enum(struct loader *L, const config_setting_t *g, const char *name,
		     const struct name_val *vals, int *out)
{
	config_setting_t *s = cfg_member(L, g, name, CONFIG_TYPE_STRING, false, NULL);
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
	cfg_err_at(L, s, "'%s' must be one of %s, not \"%s\"", name, choices, v);
}

/* Characters that would let a path change the meaning of a rendered server configuration. */
static bool path_safe(const char *p)
{
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (*c < 0x20 || *c == 0x7f || strchr(" \t;{}\"'#$\\", *c))
			return false;
	return true;
}

void cfg_check_path(struct loader *L, const config_setting_t *g, const char *name,
		       const char *p)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!p)
		return;
	if (p[0] != '/')
		cfg_err_at(L, s, "'%s' must be an absolute path, not \"%s\"", name, p);
	else if (!path_safe(p))
		cfg_err_at(L, s, "'%s' contains a character unsafe in a server configuration "
		       "(white space, control, or one of ;{}\"'#$\\)", name);
}

/* An argv: a non-empty array of strings whose first is an absolute executable. */
void cfg_argv(struct loader *L, const config_setting_t *g, const char *name,
		     char ***out)
{
	config_setting_t *s = cfg_member(L, g, name, CONFIG_TYPE_LIST, false, NULL);
	int n;
	char **argv;

	if (!s)
		return;
	n = config_setting_length(s);
	if (n < 1) {
		cfg_err_at(L, s, "'%s' must name a command: [ \"/absolute/path\", \"arg\", ... ]", name);
		return;
	}
	argv = calloc((size_t)n + 1, sizeof(*argv));
	if (!argv)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfg_err_at(L, e, "'%s': every element must be a string", name);
			goto bad;
		}
		argv[i] = strdup(config_setting_get_string(e));
	}
	if (argv[0][0] != '/')
		cfg_err_at(L, s, "'%s': \"%s\" is not an absolute path (commands run without a shell)",
		       name, argv[0]);
	else if (access(argv[0], X_OK) < 0)
		cfg_err_at(L, s, "'%s': \"%s\" is not an executable: %s", name, argv[0],
		       strerror(errno));
	*out = argv;
	return;
bad:
	for (int i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

char **argv_dup(char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++)
		if (!(v[i] = strdup(argv[i]))) {
			argv_free(v);
			return NULL;
		}
	return v;
}
