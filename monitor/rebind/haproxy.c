// SPDX-License-Identifier: MIT
/* HAProxy master-worker: reload via the master CLI, confirmed by its `show proc` counters. */
#include "monitor/rebind/haproxy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/rebind/render.h"

#define POLL_MS 50

enum { HS_BASE, HS_RELOAD, HS_CONFIRM };

int haproxy_parse_proc(const char *out, struct haproxy_proc *p)
{
	bool master = false, workers = false;

	*p = (struct haproxy_proc){ 0 };
	for (const char *l = out; *l; ) {
		size_t n = strcspn(l, "\n");
		unsigned pid, reloads, failed;
		char type[16];

		if (!strncmp(l, "# workers", 9)) {
			workers = true;
		} else if (l[0] == '#') {
			workers = false;
		} else if (sscanf(l, "%u %15s %u [failed: %u]", &pid, type, &reloads, &failed) == 4 &&
			   !strcmp(type, "master")) {
			master = true;
			p->reloads = reloads;
			p->failed = failed;
		} else if (workers && sscanf(l, "%u %15s %u", &pid, type, &reloads) == 3 &&
			   !strcmp(type, "worker")) {
			p->workers++;
			p->fresh += reloads == 0;
		}
		l += n + (l[n] == '\n');
	}
	return master ? 0 : -1;
}

static void ask(struct srvop *op);

static void fail(struct srvop *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct srvop *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op->res.why, sizeof(op->res.why), fmt, ap);
	va_end(ap);
	op->res.ok = false;
	srvop_finish(op);
}

/* The operator's own reload argv ran (e.g. `systemctl reload haproxy`): confirm as usual. */
static void after_argv(void *arg, const struct srvop_result *r)
{
	struct srvop *op = arg;

	op->done = op->outer_done;
	op->arg = op->outer_arg;
	if (!r->ok) {
		op->done(op->arg, &op->res);
		return;
	}
	op->step = HS_CONFIRM;
	ask(op);
}

static void on_answer(void *arg, int err, const char *out)
{
	struct srvop *op = arg;
	struct haproxy_proc p;
	const struct server_cfg *s = op->srv->cfg;
	bool parsed = !err && haproxy_parse_proc(out, &p) == 0;

	if (op->step == HS_BASE) {
		if (!parsed) {
			fail(op, "not possible: HAProxy's master CLI at %s did not answer `show proc` (%s): is "
			     "haproxy running in master-worker mode with -S %s?", s->master_socket,
			     err ? strerror(-err) : "no master line", s->master_socket);
			return;
		}
		op->base = p.reloads;
		op->step = HS_RELOAD;
		if (s->reload) {
			op->outer_done = op->done;
			op->outer_arg = op->arg;
			op->done = after_argv;
			op->arg = op;
			if (srvop_argv(op, s->reload, "reload") < 0)
				after_argv(op, &op->res);
			return;
		}
		ask(op);
	} else if (op->step == HS_RELOAD) {
		/* The master re-executes itself and drops the connection: no answer to read. */
		op->step = HS_CONFIRM;
		ask(op);
	} else if (!parsed || p.reloads <= op->base) {
		/* Re-executing still (refused, reset) or not counted yet: ask again, bounded. */
		if (now_ms() >= op->deadline) {
			op->res.timed_out = true;
			fail(op, "not counted by HAProxy's master within %u ms",
			     s->reload_timeout_ms);
			return;
		}
		ask(op);
	} else if (p.failed || !p.fresh) {
		fail(op, "not taken: HAProxy kept its old worker, the new configuration did not load (master "
		     "CLI: %u failed reload%s, %u new worker%s; HAProxy's log says why)", p.failed,
		     p.failed == 1 ? "" : "s", p.fresh, p.fresh == 1 ? "" : "s");
	} else {
		op->res.ok = true;
		srvop_finish(op);
	}
}

static void on_tick(void *arg)
{
	struct srvop *op = arg;
	const char *cmd = op->step == HS_RELOAD ? "reload\n" : "show proc\n";
	int err = mcli_start(op->L, &op->cli, op->srv->cfg->master_socket, cmd,
			     op->srv->cfg->reload_timeout_ms, on_answer, op);

	if (err < 0)
		fail(op, "not possible: cannot reach HAProxy's master CLI at %s: %s", op->srv->cfg->master_socket,
		     strerror(-err));
	else if (op->step == HS_RELOAD)
		op->res.touched = true;
}

/* The next conversation, from the loop: at once, or after POLL_MS while confirming. */
static void ask(struct srvop *op)
{
	op->tick = (struct timer){ .fn = on_tick, .arg = op };
	loop_arm(op->L, &op->tick, now_ms() + (op->step == HS_CONFIRM ? POLL_MS : 0));
}

int haproxy_reload(struct srvop *op)
{
	if (!op->srv->cfg->master_socket)
		return -EINVAL;
	op->deadline = now_ms() + op->srv->cfg->reload_timeout_ms;
	op->step = HS_BASE;
	ask(op);
	return 0;
}

/* HAProxy: the site's frontend; the key is found by HAProxy's rules (same file or CERT.key). */
char *haproxy_render(const struct render_vars *v, size_t *len)
{
	char *out = NULL, bind[ENDPOINT_STRLEN + 16];
	int n;

	if (!strcmp(v->address, "*"))
		snprintf(bind, sizeof(bind), ":::%s v4v6", v->port);
	else
		snprintf(bind, sizeof(bind), "%s", v->endpoint);
	n = asprintf(&out, GENERATED
		     "frontend certbind-%s\n"
		     "    bind %s ssl crt %s\n"
		     "    default_backend %s\n",
		     v->site, v->site, bind, v->certificate, v->backend ? v->backend : v->site);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}

const struct driver haproxy_driver = { .name = "haproxy", .render = haproxy_render,
				       .reload = haproxy_reload };
