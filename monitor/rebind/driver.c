// SPDX-License-Identifier: MIT
/* The driver table: nginx, Apache httpd, HAProxy and the generic command server. */
#include "monitor/rebind/driver.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/core/log.h"
#include "monitor/rebind/apache.h"
#include "monitor/rebind/haproxy.h"
#include "monitor/rebind/liveness.h"

/* nginx, Apache and a generic command: run the reload argv, judge its exit status. nginx's
 * `-s reload` exits 0 even when the new configuration did not take, and `apache2ctl graceful`
 * exits 0 before the parent finds it cannot bind: the pipeline's liveness watch, listener
 * check and handshake tell. */
static int argv_reload(struct srvop *op)
{
	if (!op->srv->cfg->reload)
		return -ENOENT;
	return srvop_argv(op, op->srv->cfg->reload, "reload");
}

/*
 * nginx with its default reload and a check: `nginx -s reload` would parse the whole
 * configuration once more (1.6 ms per TLS server block) only to send SIGHUP, and the check
 * just parsed it. The master named by pid_file, verified to be nginx, is signalled through
 * its pidfd instead. The operator's own reload command runs as written.
 */
static int nginx_reload(struct srvop *op)
{
	const struct server_cfg *s = op->srv->cfg;
	pid_t pid = 0;
	int fd;

	if (!s->reload_default || !s->check || !s->pid_file)
		return argv_reload(op);
	fd = live_open(s, &pid);
	if (fd < 0)
		return argv_reload(op);   /* no verified master: the command says why */
	if (syscall(SYS_pidfd_send_signal, fd, SIGHUP, NULL, 0) < 0) {
		log_debug("nginx master %d: SIGHUP: %m; running the reload command", (int)pid);
		close(fd);
		return argv_reload(op);
	}
	close(fd);
	log_debug("reload: SIGHUP to the nginx master %d (%s)", (int)pid, s->pid_file);
	op->res = (struct srvop_result){ .ok = true, .touched = true };
	srvop_finish(op);
	return 0;
}

static const struct driver nginx_driver = { .name = "nginx", .reload = nginx_reload };
static const struct driver apache_driver = { .name = "apache", .reload = apache_reload };
static const struct driver haproxy_driver = { .name = "haproxy", .reload = haproxy_reload };
static const struct driver command_driver = { .name = "command", .reload = argv_reload };

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
	return s->cfg->reload || (s->cfg->type == SRV_HAPROXY && s->cfg->master_socket);
}
