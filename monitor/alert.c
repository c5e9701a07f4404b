// SPDX-License-Identifier: MIT
/* Alerts out: the site's alert command, run without a shell, with CERTBIND_* and a deadline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "monitor/daemon.h"
#include "monitor/log.h"

#define ALERTS_MAX 32      /* running at once; a storm is one line per site anyway */

struct alertproc {
	struct daemon *d;
	struct child child;
	struct watcher w_pid, w_out;
	struct timer deadline;
	char site[65], event[32];
	struct alertproc *next;
};

static struct alertproc *running;
static size_t nrunning;

static void alert_done(struct alertproc *a, const char *failure)
{
	struct alertproc **pp;

	daemon_unwatch(a->d, &a->w_pid);
	if (a->child.outfd >= 0)
		daemon_unwatch(a->d, &a->w_out);
	timer_cancel(&a->d->timers, &a->deadline);
	child_close(&a->child);
	if (failure) {
		struct ev e;
		ev_begin(&e, "alert-failed");
		ev_add(&e, "site", a->site);
		ev_add(&e, "alert", a->event);
		ev_add(&e, "reason", failure);
		ev_emit(&e, LOG_WARNING);
	}
	for (pp = &running; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	nrunning--;
	free(a);
}

static void alert_on_exit(struct daemon *d, struct watcher *w, uint32_t events)
{
	struct alertproc *a = w->arg;
	char st[64], why[CHILD_OUTPUT_MAX + 80];
	int status;

	if (child_reap(&a->child, &status) < 0)
		return;
	if (a->child.outfd >= 0)
		child_read_output(&a->child);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		alert_done(a, NULL);
		return;
	}
	const char *line = child_output_line(&a->child);
	snprintf(why, sizeof(why), "alert command %s%s%s", child_status_str(status, st, sizeof(st)),
		 *line ? ": " : "", line);
	alert_done(a, why);
}

static void on_output(struct daemon *d, struct watcher *w, uint32_t events)
{
	struct alertproc *a = w->arg;

	/* Bounded capture: whatever it prints beyond the first bytes is read and dropped. */
	if (child_read_output(&a->child))
		daemon_unwatch(d, &a->w_out);
}

static void on_timeout(void *arg)
{
	struct alertproc *a = arg;
	char why[96];
	int status;

	child_kill(&a->child);
	while (child_reap(&a->child, &status) < 0)
		;
	snprintf(why, sizeof(why), "alert command timed out after %u ms (process group killed)",
		 daemon_site(a->d, a->site) ? daemon_site(a->d, a->site)->cfg->alert_timeout_ms : 0);
	alert_done(a, why);
}

static char *env(const char *k, const char *v)
{
	char *s = NULL;

	return asprintf(&s, "%s=%s", k, v ? v : "") < 0 ? NULL : s;
}

void site_alert(struct siteinfo *si, const char *event, const char *old, const char *new,
		const char *reason)
{
	struct daemon *d = si->d;
	struct alertproc *a;
	char *envp[8];
	int err;

	if (!si->cfg->alert_command)
		return;
	if (d->dry_run) {
		log_info("dry-run: would run the alert command of site %s for %s", si->cfg->name,
			 event);
		return;
	}
	if (nrunning >= ALERTS_MAX) {
		log_warnx("site %s: %zu alert commands still running; not starting another for %s",
			  si->cfg->name, nrunning, event);
		return;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->d = d;
	snprintf(a->site, sizeof(a->site), "%s", si->cfg->name);
	snprintf(a->event, sizeof(a->event), "%s", event);
	envp[0] = env("CERTBIND_EVENT", event);
	envp[1] = env("CERTBIND_SITE", si->cfg->name);
	envp[2] = env("CERTBIND_OLD", old);
	envp[3] = env("CERTBIND_NEW", new);
	envp[4] = env("CERTBIND_REASON", reason);
	envp[5] = env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	envp[6] = env("LANG", "C");
	envp[7] = NULL;
	err = child_spawn(si->cfg->alert_command, envp, &a->child);
	for (int i = 0; i < 7; i++)
		free(envp[i]);
	if (err < 0) {
		char why[160];
		snprintf(why, sizeof(why), "cannot run %s: %s", si->cfg->alert_command[0],
			 strerror(-err));
		nrunning++;
		a->child.pidfd = a->child.outfd = -1;
		a->w_pid.fd = a->w_out.fd = -1;
		a->next = running;
		running = a;
		alert_done(a, why);
		return;
	}
	a->w_pid = (struct watcher){ .fd = a->child.pidfd, .cb = alert_on_exit, .arg = a };
	a->w_out = (struct watcher){ .fd = a->child.outfd, .cb = on_output, .arg = a };
	a->deadline = (struct timer){ .fn = on_timeout, .arg = a };
	daemon_watch(d, &a->w_pid, EPOLLIN);
	daemon_watch(d, &a->w_out, EPOLLIN);
	timer_arm(&d->timers, &a->deadline, now_ms() + si->cfg->alert_timeout_ms);
	a->next = running;
	running = a;
	nrunning++;
}

void alerts_free(struct daemon *d)
{
	while (running) {
		child_kill(&running->child);
		while (running->child.pid > 0 && child_reap(&running->child, &(int){ 0 }) < 0)
			;
		alert_done(running, NULL);
	}
}
