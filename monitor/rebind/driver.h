/* SPDX-License-Identifier: MIT */
/* Server drivers: how each kind of server is reloaded and asked whether the reload took. */
#ifndef CERTBIND_DRIVER_H
#define CERTBIND_DRIVER_H

#include "monitor/rebind/srvop.h"

struct render_vars;

/* A server type's own operations (one file each: nginx.c, apache.c, haproxy.c; the generic
 * command server in driver.c); the rest of a type is its entry in policy/servertype.c. */
struct driver {
	const char *name;
	/* Its target type's rendering of a binding: a malloc'd string (*len), or NULL. NULL for
	 * a server without a target type of its own (command: templates only). */
	char *(*render)(const struct render_vars *v, size_t *len);
	/*
	 * Makes the server take what is on disk and tells (op->done) whether it did, as far as
	 * the server itself can: nginx and Apache only by their command's exit status (the
	 * listener, the parent's liveness and the handshake decide then); HAProxy by its master
	 * CLI. 0 when started, or a negative errno (op->res.why says why; done is not called).
	 */
	int (*reload)(struct srvop *op);
};

extern const struct driver nginx_driver, apache_driver, haproxy_driver;

/* The driver of a server type (never NULL for a type the policy accepts). */
const struct driver *driver_get(enum server_type t);
/* The generic reload: the server's reload argv, judged by its exit status. */
int driver_argv_reload(struct srvop *op);
/* Is there anything to reload (a files-only site's stand-in server has nothing)? */
bool driver_can_reload(const struct server *s);


#endif
