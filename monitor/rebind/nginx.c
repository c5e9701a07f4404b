// SPDX-License-Identifier: MIT
/* nginx's driver: its server block lines for a binding, and a reload by SIGHUP to its master. */
#include "monitor/rebind/nginx.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/core/log.h"
#include "monitor/rebind/liveness.h"
#include "monitor/rebind/render.h"

/* The listen, certificate and key lines, included inside the operator's server block. */
char *nginx_render(const struct render_vars *v, size_t *len)
{
	char *out = NULL, listen[ENDPOINT_STRLEN * 2 + 96];
	int n;

	/* nginx takes "[v6]:PORT" for IPv6, as endpoint has it. All addresses ("*"): the
	 * default server of the port, for IPv4 and IPv6, as IIS's "all unassigned" binding. */
	if (!strcmp(v->address, "*"))
		snprintf(listen, sizeof(listen), "listen *:%s ssl default_server;\n"
			 "listen [::]:%s ssl default_server;\n", v->port, v->port);
	else
		snprintf(listen, sizeof(listen), "listen %s ssl;\n", v->endpoint);
	n = asprintf(&out, GENERATED
		     "%s"
		     "ssl_certificate %s;\n"
		     "ssl_certificate_key %s;\n",
		     v->site, listen, v->certificate, v->key);

	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
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
		return driver_argv_reload(op);
	fd = live_open(s, &pid);
	if (fd < 0)
		return driver_argv_reload(op);   /* no verified master: the command says why */
	if (syscall(SYS_pidfd_send_signal, fd, SIGHUP, NULL, 0) < 0) {
		log_debug("nginx master %d: SIGHUP: %m; running the reload command", (int)pid);
		close(fd);
		return driver_argv_reload(op);
	}
	close(fd);
	log_debug("reload: SIGHUP to the nginx master %d (%s)", (int)pid, s->pid_file);
	op->res = (struct srvop_result){ .ok = true, .touched = true };
	srvop_finish(op);
	return 0;
}

const struct driver nginx_driver = { .name = "nginx", .render = nginx_render,
				     .reload = nginx_reload };
