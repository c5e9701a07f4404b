// SPDX-License-Identifier: MIT
/* The driver table (nginx, Apache httpd, HAProxy), and the generic command server's driver. */
#include "monitor/rebind/driver.h"

#include <errno.h>

#include "policy/servertype.h"

/* nginx, Apache and a generic command: run the reload argv, judge its exit status. nginx's
 * `-s reload` exits 0 even when the new configuration did not take, and `apache2ctl graceful`
 * exits 0 before the parent finds it cannot bind: the pipeline's liveness watch, listener
 * check and handshake tell. */
int driver_argv_reload(struct srvop *op)
{
	if (!op->srv->cfg->reload)
		return -ENOENT;
	return srvop_argv(op, op->srv->cfg->reload, "reload");
}

static const struct driver command_driver = { .name = "command", .reload = driver_argv_reload };

const struct driver *driver_get(enum server_type t)
{
	/* No default: -Wswitch names this place when a server type is added. */
	switch (t) {
	case SRV_NGINX:
		return &nginx_driver;
	case SRV_APACHE:
		return &apache_driver;
	case SRV_HAPROXY:
		return &haproxy_driver;
	case SRV_COMMAND:
		return &command_driver;
	}
	return &command_driver;
}

bool driver_can_reload(const struct server *s)
{
	return s->cfg->reload || (server_type_get(s->cfg->type)->cli_reload && s->cfg->master_socket);
}
