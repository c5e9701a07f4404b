/* SPDX-License-Identifier: MIT */
/* HAProxy's driver: reload through the master CLI and read there whether the new worker is up. */
#ifndef CERTBIND_HAPROXY_H
#define CERTBIND_HAPROXY_H

#include <stdbool.h>

#include "monitor/rebind/driver.h"

/* What `show proc` on the master CLI says (HAProxy 2.5+). */
struct haproxy_proc {
	unsigned reloads;      /* the master's reload count */
	unsigned failed;       /* failed reloads since the last one that took */
	unsigned workers;      /* current workers */
	unsigned fresh;        /* of them, started by the last reload (their reload count is 0) */
};

/* Parses `show proc`; 0, or -1 when there is no master line. */
int haproxy_parse_proc(const char *out, struct haproxy_proc *p);
/* The site's frontend (*len), or NULL. */
struct render_vars;
char *haproxy_render(const struct render_vars *v, size_t *len);
/* The reload step: baseline `show proc`, reload (its argv, or the CLI's `reload`), then
 * `show proc` until the master has counted it; ok only if it took and a new worker runs. */
int haproxy_reload(struct srvop *op);

#endif
