/* SPDX-License-Identifier: MIT */
/* Renderers: what a binding looks like in a server's configuration. */
#ifndef CERTBIND_RENDER_H
#define CERTBIND_RENDER_H

#include <stddef.h>

#include "policy/policy.h"

struct render_vars {
	const char *site, *address, *port, *endpoint, *certificate, *key, *server_name,
		*fingerprint;
	const char *backend, *include;   /* haproxy, apache: NULL if none */
};


/* Fills v (pointing into bufs) for site s bound to a (NULL: wildcard). */
struct render_bufs {
	char address[IPADDR_STRLEN], port[8], endpoint[ENDPOINT_STRLEN];
	char certificate[SITE_PATH_MAX], key[SITE_PATH_MAX];   /* per-address sites */
};
void render_vars_init(struct render_vars *v, struct render_bufs *b, const struct site *s,
		      const struct ipaddr *a, const char *fingerprint);

/* The content of target t: a malloc'd NUL-terminated string (length in *len), or NULL. */
char *render_target(const struct target *t, const struct render_vars *v, size_t *len);

#endif
