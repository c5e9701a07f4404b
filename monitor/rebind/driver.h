/* SPDX-License-Identifier: MIT */
/* Server drivers: how each kind of server is reloaded and asked whether the reload took. */
#ifndef CERTBIND_DRIVER_H
#define CERTBIND_DRIVER_H

#include "monitor/rebind/srvop.h"

struct driver {
	const char *name;
	/*
	 * Makes the server take what is on disk and tells (op->done) whether it did, as far as
	 * the server itself can: nginx and Apache only by their command's exit status (the
	 * listener, the parent's liveness and the handshake decide then); HAProxy by its master
	 * CLI. 0 when started, or a negative errno (op->res.why says why; done is not called).
	 */
	int (*reload)(struct srvop *op);
};

/* The driver of a server type (never NULL for a type the policy accepts). */
const struct driver *driver_get(enum server_type t);
/* Is there anything to reload (a files-only site's stand-in server has nothing)? */
bool driver_can_reload(const struct server *s);


#endif
