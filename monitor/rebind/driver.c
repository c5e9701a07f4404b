// SPDX-License-Identifier: MIT
/* The driver table: nginx, and the generic command server (templates + a reload argv). */
#include "monitor/rebind/driver.h"

static char *const *server_check(const struct server *s)
{
	return s->check;
}

static char *const *server_reload(const struct server *s)
{
	return s->reload;
}

/* nginx and a generic command have nothing to say beyond their exit status. */
static int no_confirm(const struct server *s, char *why, size_t len)
{
	return 0;
}

/* nginx: `nginx -s reload` exits 0 even when the new configuration did not take; only the
 * listener check and the handshake that follow can tell. */
static const struct driver nginx_driver = {
	.name = "nginx", .check_argv = server_check, .reload_argv = server_reload,
	.confirm = no_confirm,
};

static const struct driver command_driver = {
	.name = "command", .check_argv = server_check, .reload_argv = server_reload,
	.confirm = no_confirm,
};

const struct driver *driver_get(enum server_type t)
{
	/* No default: -Wswitch names this place when a server type is added. */
	switch (t) {
	case SRV_NGINX:
		return &nginx_driver;
	case SRV_COMMAND:
		return &command_driver;
	}
	return &command_driver;
}
