// SPDX-License-Identifier: MIT
/* Alert commands: one supervised child each, CERTBIND_* in its environment, failures logged. */
#include "monitor/report/alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/core/child.h"
#include "monitor/core/log.h"

#define ALERTS_MAX 32      /* running at once; a storm is one line per site anyway */

struct alertproc {
	struct alerter *a;
	struct child child;
	char site[65], event[32];
	unsigned timeout_ms;
	struct alertproc *next;
};

void alert_init(struct alerter *a, struct loop *L, bool dry_run)
{
	*a = (struct alerter){ .L = L, .dry_run = dry_run };
}

static void failed(const char *site, const char *event, const char *why)
{
	struct ev e;

	ev_begin(&e, "alert-failed");
	ev_add(&e, "site", site);
	ev_add(&e, "alert", event);
	ev_add(&e, "reason", why);
	ev_emit(&e, LOG_WARNING);
}

static void unlink_proc(struct alertproc *p)
{
	for (struct alertproc **pp = &p->a->running; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->a->nrunning--;
	free(p);
}

static void on_done(void *arg, const struct child_result *r)
{
	struct alertproc *p = arg;
	char st[64], line[CHILD_OUTPUT_MAX], why[CHILD_OUTPUT_MAX + 80];

	if (r->timed_out) {
		snprintf(why, sizeof(why), "alert command timed out after %u ms (process group "
			 "killed)", p->timeout_ms);
		failed(p->site, p->event, why);
	} else if (!child_ok(r)) {
		child_first_line(r->output, line, sizeof(line));
		snprintf(why, sizeof(why), "alert command %s%s%s",
			 child_status_str(r->status, st, sizeof(st)), *line ? ": " : "", line);
		failed(p->site, p->event, why);
	}
	unlink_proc(p);
}

static char *env(const char *k, const char *v)
{
	char *s = NULL;

	return asprintf(&s, "%s=%s", k, v ? v : "") < 0 ? NULL : s;
}

void alert_run(struct alerter *a, const struct site *s, const char *event, const char *old,
	       const char *new, const char *reason)
{
	struct alertproc *p;
	char *envp[8];
	int err;

	if (!s->alert_command)
		return;
	if (a->dry_run) {
		log_info("dry-run: would run the alert command of site %s for %s", s->name, event);
		return;
	}
	if (a->nrunning >= ALERTS_MAX) {
		log_warnx("site %s: %zu alert commands still running; not starting another for %s",
			  s->name, a->nrunning, event);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->a = a;
	p->timeout_ms = s->alert_timeout_ms;
	snprintf(p->site, sizeof(p->site), "%s", s->name);
	snprintf(p->event, sizeof(p->event), "%s", event);
	envp[0] = env("CERTBIND_EVENT", event);
	envp[1] = env("CERTBIND_SITE", s->name);
	envp[2] = env("CERTBIND_OLD", old);
	envp[3] = env("CERTBIND_NEW", new);
	envp[4] = env("CERTBIND_REASON", reason);
	envp[5] = env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	envp[6] = env("LANG", "C");
	envp[7] = NULL;
	err = child_start(a->L, &p->child, s->alert_command, envp, s->alert_timeout_ms, on_done, p);
	for (int i = 0; i < 7; i++)
		free(envp[i]);
	if (err < 0) {
		char why[160];
		snprintf(why, sizeof(why), "cannot run %s: %s", s->alert_command[0], strerror(-err));
		failed(p->site, p->event, why);
		free(p);
		return;
	}
	p->next = a->running;
	a->running = p;
	a->nrunning++;
}

void alert_free(struct alerter *a)
{
	while (a->running) {
		struct alertproc *p = a->running;
		a->running = p->next;
		a->nrunning--;
		child_stop(&p->child);
		free(p);
	}
}
