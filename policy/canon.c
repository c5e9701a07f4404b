// SPDX-License-Identifier: MIT
/* A setting's canonical text: members sorted by name, values in one spelling. */
#include "policy/canon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int by_name(const void *a, const void *b)
{
	const char *x = config_setting_name(*(config_setting_t *const *)a);
	const char *y = config_setting_name(*(config_setting_t *const *)b);

	return strcmp(x ? x : "", y ? y : "");
}

static void put(FILE *f, const config_setting_t *s)
{
	int n = config_setting_length(s);
	config_setting_t **v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		/* Order of members does not change what a site means: sort them. */
		v = calloc((size_t)n + 1, sizeof(*v));
		for (int i = 0; v && i < n; i++)
			v[i] = config_setting_get_elem(s, (unsigned)i);
		if (v)
			qsort(v, (size_t)n, sizeof(*v), by_name);
		fputc('{', f);
		for (int i = 0; v && i < n; i++) {
			fprintf(f, "%s=", config_setting_name(v[i]));
			put(f, v[i]);
			fputc(';', f);
		}
		fputc('}', f);
		free(v);
		return;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		fputc('(', f);
		for (int i = 0; i < n; i++) {
			put(f, config_setting_get_elem(s, (unsigned)i));
			fputc(',', f);
		}
		fputc(')', f);
		return;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		fprintf(f, "%lld", config_setting_get_int64(s));
		return;
	case CONFIG_TYPE_FLOAT:
		fprintf(f, "%.17g", config_setting_get_float(s));
		return;
	case CONFIG_TYPE_BOOL:
		fputs(config_setting_get_bool(s) ? "true" : "false", f);
		return;
	case CONFIG_TYPE_STRING:
		put_string(f, config_setting_get_string(s));
		return;
	default:
		fputs("?", f);
		return;
	}
}

char *canon_setting(const config_setting_t *s, const char *const *extra, size_t nextra)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	put(f, s);
	for (size_t i = 0; i < nextra; i++) {
		fputc('\n', f);
		put_string(f, extra[i] ? extra[i] : "");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
