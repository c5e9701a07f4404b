// SPDX-License-Identifier: MIT
/* The nginx snippet and template renderers (pure: text in, text out). */
#include "monitor/rebind/render.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/rebind/driver.h"
#include "policy/servertype.h"

void render_vars_init(struct render_vars *v, struct render_bufs *b, const struct site *s,
		      const struct ipaddr *a, const char *fingerprint)
{
	if (a)
		ipaddr_str(a, b->address, sizeof(b->address));
	else
		snprintf(b->address, sizeof(b->address), "*");
	snprintf(b->port, sizeof(b->port), "%u", s->port);
	endpoint_str(a, s->port, b->endpoint, sizeof(b->endpoint));
	*v = (struct render_vars){
		.site = s->name, .address = b->address, .port = b->port, .endpoint = b->endpoint,
		.certificate = site_cert_path(s, a, b->certificate, sizeof(b->certificate)),
		.key = site_key_path(s, a, b->key, sizeof(b->key)),
		.server_name = s->server_name ? s->server_name : "",
		.fingerprint = fingerprint ? fingerprint : "",
		.backend = s->backend, .include = s->include,
	};
}

static const char *lookup(const struct render_vars *v, const char *name, size_t len)
{
	static const struct { const char *name; size_t off; } map[] = {
		{ "site", offsetof(struct render_vars, site) },
		{ "address", offsetof(struct render_vars, address) },
		{ "port", offsetof(struct render_vars, port) },
		{ "endpoint", offsetof(struct render_vars, endpoint) },
		{ "certificate", offsetof(struct render_vars, certificate) },
		{ "key", offsetof(struct render_vars, key) },
		{ "server_name", offsetof(struct render_vars, server_name) },
		{ "fingerprint", offsetof(struct render_vars, fingerprint) },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].name) == len && !strncmp(map[i].name, name, len))
			return *(const char *const *)((const char *)v + map[i].off);
	return NULL;
}

static char *render_template(const char *tmpl, const struct render_vars *v, size_t *len)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	const char *p = tmpl;

	if (!f)
		return NULL;
	for (;;) {
		const char *open = strstr(p, "{{"), *close, *val;
		if (!open) {
			fputs(p, f);
			break;
		}
		close = strstr(open + 2, "}}");
		val = close ? lookup(v, open + 2, (size_t)(close - open - 2)) : NULL;
		/* The loader rejects unknown placeholders; keep any that slip through verbatim. */
		if (!val) {
			fwrite(p, 1, (size_t)(open + 2 - p), f);
			p = open + 2;
			continue;
		}
		fwrite(p, 1, (size_t)(open - p), f);
		fputs(val, f);
		p = close + 2;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	*len = size;
	return out;
}

char *render_target(const struct target *t, const struct render_vars *v, size_t *len)
{
	*len = 0;
	/* A template renders for any server; every other target type is its server's own. */
	if (t->type == TGT_TEMPLATE)
		return t->template_text ? render_template(t->template_text, v, len) : NULL;
	return driver_get(server_type_of_target(t->type))->render(v, len);
}
