// SPDX-License-Identifier: MIT
/* inotify on certificate directories: a renewed or replaced certificate is picked up by itself. */
#include "monitor/sites/certnotify.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "monitor/core/log.h"
#include "monitor/sites/act.h"
#include "monitor/sites/certwatch.h"
#include "monitor/sites/failover.h"
#include "monitor/sites/sitelog.h"

/* A certificate and its key are replaced one after the other: look once both are there. */
#define SETTLE_FILES_MS 200
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB | IN_DELETE | \
		    IN_MOVED_FROM | IN_ONLYDIR)

struct certdir {
	int wd;
	char *path;
};

struct certnotify {
	struct sites *set;
	struct watcher w;
	struct certdir *dirs;
	size_t ndirs;
	struct timer settle;
};

static bool in_dir(const char *path, const char *dir, size_t dlen, const char *name)
{
	return !strncmp(path, dir, dlen) && path[dlen] == '/' && !strcmp(path + dlen + 1, name);
}

static void mark_sites(struct certnotify *n, const char *dir, const char *name)
{
	size_t dlen = strlen(dir);
	bool any = false;

	for (size_t i = 0; i < n->set->n; i++) {
		struct siteinfo *si = &n->set->v[i];
		if (in_dir(cert_file(si->cfg, &si->cert), dir, dlen, name) ||
		    in_dir(cert_key_file(si->cfg, &si->cert), dir, dlen, name)) {
			si->cert_touched = true;
			any = true;
		}
	}
	if (any && !timer_armed(&n->settle))
		loop_arm(n->set->L, &n->settle, now_ms() + SETTLE_FILES_MS);
}

static const char *dir_of(const struct certnotify *n, int wd)
{
	for (size_t i = 0; i < n->ndirs; i++)
		if (n->dirs[i].wd == wd)
			return n->dirs[i].path;
	return NULL;
}

static void on_inotify(void *arg, uint32_t events)
{
	struct certnotify *n = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(n->w.fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			const char *dir = dir_of(n, e->wd);
			if (dir && e->len)
				mark_sites(n, dir, e->name);
			p += sizeof(*e) + e->len;
		}
	}
}

void certnotify_recheck(struct siteinfo *si)
{
	const struct addrent *e;
	bool was_ok = si->fsm.cert_ok, changed = false, present;
	/* Files replaced (even with the same leaf: a chain fixed): a failed rebind goes again. */
	bool reread = !was_ok || !cert_unchanged(si->cfg, &si->cert);

	if (certwatch_recheck(si, &changed) < 0)
		return;
	if (reread && was_ok && si->fsm.retry_ms)
		act_retry_now(si);
	if (!was_ok) {
		struct ev ev;
		ev_begin(&ev, "cert-recovered");
		ev_add(&ev, "site", si->cfg->name);
		ev_add(&ev, "certificate", cert_file(si->cfg, &si->cert));
		ev_add(&ev, "fingerprint", si->cert.fingerprint);
		ev_emit(&ev, LOG_NOTICE);
		/* The last event is the recovery, not the failure it ends. */
		sitelog_event(si, "cert-recovered");
		present = decide_bound(si->cfg, &si->fsm.cur, si->set->tab);
		e = addrtab_find(si->set->tab, &si->fsm.cur, 0);
		act_apply(si, sitefsm_cert_good(&si->fsm, present, addrent_where(e), time(NULL)));
		return;
	}
	if (changed)
		failover_cert_changed(si);
	/* Bound with another certificate now: render (a template may name it) and prove it. */
	if (changed && !si->fsm.busy && si->fsm.renders &&
	    (si->fsm.state == SS_BOUND || si->fsm.state == SS_WILDCARD ||
	     si->fsm.state == SS_UNVERIFIED))
		act_apply(si, FA_START_INITIAL);
}

static void on_settled(void *arg)
{
	struct certnotify *n = arg;

	for (size_t i = 0; i < n->set->n; i++) {
		struct siteinfo *si = &n->set->v[i];
		if (si->cert_touched) {
			si->cert_touched = false;
			certnotify_recheck(si);
		}
	}
}

static void watch_dir_of(struct certnotify *n, const char *file)
{
	const char *slash = strrchr(file, '/');
	size_t len = slash ? (size_t)(slash - file) : 0;
	struct certdir *v;
	char *dir;
	int wd;

	if (!len)
		return;
	for (size_t i = 0; i < n->ndirs; i++)
		if (strlen(n->dirs[i].path) == len && !strncmp(n->dirs[i].path, file, len))
			return;
	dir = strndup(file, len);
	if (!dir)
		return;
	wd = inotify_add_watch(n->w.fd, dir, WATCH_MASK);
	if (wd < 0) {
		log_warnx("cannot watch %s for certificate changes: %s (certbindctl reload "
			  "re-checks it)", dir, strerror(errno));
		free(dir);
		return;
	}
	v = realloc(n->dirs, (n->ndirs + 1) * sizeof(*v));
	if (!v) {
		inotify_rm_watch(n->w.fd, wd);
		free(dir);
		return;
	}
	n->dirs = v;
	n->dirs[n->ndirs++] = (struct certdir){ .wd = wd, .path = dir };
}

int certnotify_init(struct sites *set)
{
	struct certnotify *n = calloc(1, sizeof(*n));

	if (!n)
		return -1;
	n->set = set;
	n->w = (struct watcher){ .cb = on_inotify, .arg = n };
	n->w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (n->w.fd < 0) {
		log_warn("inotify: replaced certificates are noticed only on certbindctl reload");
		free(n);
		return -1;
	}
	n->settle = (struct timer){ .fn = on_settled, .arg = n };
	loop_watch(set->L, &n->w, EPOLLIN);
	set->notify = n;
	return 0;
}

void certnotify_watch_all(struct sites *set)
{
	for (size_t i = 0; set->notify && i < set->n; i++) {
		/* One certificate per address: certbind issues them itself, and their directories
		 * come with the addresses; expiry and renewal are timers. */
		if (set->v[i].cfg->cert_per_address)
			continue;
		watch_dir_of(set->notify, cert_file(set->v[i].cfg, &set->v[i].cert));
		watch_dir_of(set->notify, cert_key_file(set->v[i].cfg, &set->v[i].cert));
	}
}

void certnotify_free(struct sites *set)
{
	struct certnotify *n = set->notify;

	if (!n)
		return;
	loop_cancel(set->L, &n->settle);
	loop_unwatch(set->L, &n->w);
	close(n->w.fd);
	for (size_t i = 0; i < n->ndirs; i++)
		free(n->dirs[i].path);
	free(n->dirs);
	free(n);
	set->notify = NULL;
}
