// SPDX-License-Identifier: MIT
/* Server steps as supervised children (check, reload, start): the verdict and the server's words. */
#include "monitor/rebind/srvop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void told(void *arg)
{
	struct srvop *op = arg;

	op->done(op->arg, &op->res);
}

void srvop_init(struct srvop *op, struct loop *L, const struct server *srv, srvop_done_fn done,
		void *arg)
{
	srvop_stop(op);
	*op = (struct srvop){ .L = L, .srv = srv, .done = done, .arg = arg, .aux_fd = -1,
			      .timeout_ms = srv->cfg->reload_timeout_ms };
	op->tick = (struct timer){ .fn = told, .arg = op };
}

void srvop_scale(struct srvop *op, unsigned check_ms)
{
	unsigned long long t = (unsigned long long)check_ms * SRVOP_CHECK_MULTIPLE;

	if (t > op->timeout_ms)
		op->timeout_ms = t > 3600000 ? 3600000 : (unsigned)t;
}

void srvop_scale_check(struct srvop *op, unsigned last_ms)
{
	unsigned long long guess = (unsigned long long)op->srv->cfg->nsites *
				   SRVOP_FIRST_CHECK_MS_PER_SITE;

	srvop_scale(op, last_ms ? last_ms : guess > UINT32_MAX ? UINT32_MAX : (unsigned)guess);
}

void srvop_finish(struct srvop *op)
{
	op->tick = (struct timer){ .fn = told, .arg = op };
	loop_arm(op->L, &op->tick, now_ms());
}

static bool noise(const char *line, size_t len)
{
	static const char *const quiet[] = { "[NOTICE]", "[WARNING]", "[warn]", "[notice]",
					     "Warning:", NULL };
	for (const char *const *q = quiet; *q; q++)
		if (memmem(line, len, *q, strlen(*q)))
			return true;
	return false;
}

const char *srvop_error_line(const char *output, char *buf, size_t len)
{
	for (const char *p = output; *p; ) {
		size_t n = strcspn(p, "\n");
		if (n && !noise(p, n)) {
			char line[1024];
			/* "AH00526: Syntax error on line 1 of FILE:" says what comes on the next line. */
			size_t m = p[n] && p[n - 1] == ':' ? strcspn(p + n + 1, "\n") : 0;
			snprintf(line, sizeof(line), "%.*s%s%.*s", (int)(n < 500 ? n : 500), p,
				 m ? " " : "", (int)(m < 500 ? m : 500), m ? p + n + 1 : "");
			return child_first_line(line, buf, len);
		}
		p += n + (p[n] == '\n');
	}
	return child_first_line(output, buf, len);
}

static void on_child(void *arg, const struct child_result *r)
{
	struct srvop *op = arg;
	char *line = op->res.line, *st = op->res.status;

	op->res.ok = child_ok(r);
	op->res.timed_out = r->timed_out;
	if (r->timed_out) {
		snprintf(st, sizeof(op->res.status), "timed out");
		snprintf(op->res.why, sizeof(op->res.why), "timed out after %u ms (process group "
			 "killed)", op->timeout_ms);
	} else if (!op->res.ok) {
		srvop_error_line(r->output, line, sizeof(op->res.line));

		snprintf(op->res.why, sizeof(op->res.why), "%s%s%s",
			 child_status_str(r->status, st, sizeof(op->res.status)), *line ? ": " : "",
			 line);
	}
	op->done(op->arg, &op->res);
}

int srvop_argv(struct srvop *op, char *const *argv, const char *what)
{
	int err = child_start(op->L, &op->child, argv, NULL, op->timeout_ms,
			      on_child, op);

	if (err == 0)
		op->res.touched = true;
	else
		snprintf(op->res.why, sizeof(op->res.why), "not possible: cannot run the %s command "
			 "%s: %s", what, argv[0], strerror(-err));
	return err;
}

void srvop_stop(struct srvop *op)
{
	if (!op->L)
		return;
	child_stop(&op->child);
	mcli_stop(&op->cli);
	loop_cancel(op->L, &op->tick);
	free(op->priv);
	op->priv = NULL;
	if (op->aux_fd >= 0)
		close(op->aux_fd);
	op->aux_fd = -1;
}
