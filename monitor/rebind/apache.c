// SPDX-License-Identifier: MIT
/* Apache's graceful restart returns before the parent re-reads anything: wait for its new children. */
#include "monitor/rebind/apache.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/core/clock.h"
#include "monitor/core/log.h"
#include "monitor/rebind/liveness.h"
#include "monitor/rebind/render.h"

#define POLL_MS 25

int apache_children(pid_t pid, pid_t *v, size_t n)
{
	char path[64], buf[4096];
	size_t k = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	for (char *p = buf, *end; k < n; p = end) {
		long c = strtol(p, &end, 10);
		if (end == p)
			break;
		v[k++] = (pid_t)c;
	}
	return (int)k;
}

/* The generation before ours: a few children are enough to tell a new one from them. */
struct gen {
	pid_t parent;
	int n;
	pid_t kids[256];
};

static bool has_new_child(const struct gen *g)
{
	pid_t now[256];
	int n = apache_children(g->parent, now, 256);

	for (int i = 0; i < n; i++) {
		bool old = false;
		for (int k = 0; k < g->n && !old; k++)
			old = now[i] == g->kids[k];
		if (!old)
			return true;
	}
	return false;
}

static void on_tick(void *arg)
{
	struct srvop *op = arg;
	struct gen *g = (struct gen *)op->priv;

	if (kill(g->parent, 0) < 0 || has_new_child(g) || live_exited(op->aux_fd)) {
		/* A new generation runs, or the parent is gone: the pipeline's liveness check and
		 * the proofs say which. */
		op->res.ok = true;
		srvop_finish(op);
		return;
	}
	if (now_ms() >= op->deadline) {
		op->res.ok = false;
		op->res.timed_out = true;
		snprintf(op->res.why, sizeof(op->res.why), "not taken: Apache's parent (pid %d) "
			 "started no new generation within %u ms of the graceful restart",
			 (int)g->parent, op->timeout_ms);
		srvop_finish(op);
		return;
	}
	op->tick = (struct timer){ .fn = on_tick, .arg = op };
	loop_arm(op->L, &op->tick, now_ms() + POLL_MS);
}

static void after_argv(void *arg, const struct srvop_result *r)
{
	struct srvop *op = arg;

	op->done = op->outer_done;
	op->arg = op->outer_arg;
	if (!r->ok || !op->priv) {
		op->done(op->arg, &op->res);
		return;
	}
	op->deadline = now_ms() + op->timeout_ms;
	on_tick(op);
}

/*
 * With the default reload and a check that just parsed the configuration, `apache2ctl
 * graceful` would parse it twice more (its own configtest, then `apache2 -k graceful`) only
 * to send SIGUSR1: the verified parent gets SIGUSR1, Apache's graceful restart signal,
 * through its pidfd instead. The operator's own reload command runs as written.
 */
static bool signalled(struct srvop *op)
{
	const struct server_cfg *s = op->srv->cfg;

	if (!s->reload_default || !s->check || !s->pid_file || op->aux_fd < 0)
		return false;
	if (syscall(SYS_pidfd_send_signal, op->aux_fd, SIGUSR1, NULL, 0) < 0) {
		log_debug("Apache parent: SIGUSR1: %m; running the reload command");
		return false;
	}
	log_debug("reload: SIGUSR1 (graceful) to the Apache parent (%s)", s->pid_file);
	return true;
}

int apache_reload(struct srvop *op)
{
	const struct server_cfg *s = op->srv->cfg;
	struct gen *g;
	pid_t pid;
	int err;

	if (!s->reload)
		return -ENOENT;
	op->aux_fd = live_open(s, &pid);
	g = op->aux_fd >= 0 ? calloc(1, sizeof(*g)) : NULL;
	if (g) {
		g->parent = pid;
		g->n = apache_children(pid, g->kids, 256);
		if (g->n < 0) {
			free(g);   /* no /proc children list: the exit status and the proofs decide */
			g = NULL;
		}
	}
	op->priv = g;
	op->outer_done = op->done;
	op->outer_arg = op->arg;
	op->done = after_argv;
	op->arg = op;
	if (signalled(op)) {
		op->res = (struct srvop_result){ .ok = true, .touched = true };
		after_argv(op, &op->res);
		return 0;
	}
	err = srvop_argv(op, s->reload, "reload");
	if (err < 0) {
		op->done = op->outer_done;
		op->arg = op->outer_arg;
	}
	return err;
}

/*
 * Apache httpd (mod_ssl): certbind owns the binding only — Listen, the VirtualHost header and
 * the TLS lines; the operator's vhost body stays in the operator's file, Include'd.
 */
char *apache_render(const struct render_vars *v, size_t *len)
{
	char *out = NULL, name[300] = "", inc[300] = "";
	bool any = !strcmp(v->address, "*");
	int n;

	if (*v->server_name)
		snprintf(name, sizeof(name), "    ServerName %s\n", v->server_name);
	if (v->include)
		snprintf(inc, sizeof(inc), "    Include %s\n", v->include);
	/* Apache takes "[v6]:PORT" in Listen and VirtualHost, as endpoint has it. */
	n = asprintf(&out, GENERATED
		     "Listen %s%s https\n"
		     "<VirtualHost %s%s>\n"
		     "%s"
		     "    SSLEngine on\n"
		     "    SSLCertificateFile %s\n"
		     "    SSLCertificateKeyFile %s\n"
		     "%s"
		     "</VirtualHost>\n",
		     v->site, any ? "" : v->endpoint, any ? v->port : "",
		     any ? "*:" : v->endpoint, any ? v->port : "", name,
		     v->certificate, v->key, inc);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}

const struct driver apache_driver = { .name = "apache", .render = apache_render,
				      .reload = apache_reload };
