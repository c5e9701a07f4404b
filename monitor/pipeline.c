// SPDX-License-Identifier: MIT
/* The rebind pipeline: render -> reload -> verify -> commit, or roll every file back. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

#include "monitor/daemon.h"
#include "monitor/fileio.h"
#include "monitor/log.h"
#include "monitor/render.h"
#include "monitor/tlsprobe.h"
#include "netlink/listeners.h"

#define TARGET_MAX (1024 * 1024)
#define VERIFY_RETRY_MS 100
#define LISTEN_POLL_MS 50

enum phase { PH_RELOAD, PH_LISTEN, PH_VERIFY, PH_ROLLBACK };

struct tgt {
	char *old;            /* previous content (NULL: the file did not exist) */
	size_t oldlen;
	char *new;
	size_t newlen;
	bool written;
};

struct job {
	struct daemon *d;
	struct siteinfo *si;
	bool wildcard;
	struct ipaddr to;
	int to_ifindex;
	bool initial;
	enum phase phase;
	struct tgt *t;
	size_t nt;
	struct child child;
	bool child_running;
	struct watcher w_pid, w_out, w_probe;
	struct tlsprobe *probe;
	struct timer deadline;     /* reload timeout, or verification deadline */
	struct timer retry;        /* next verification attempt */
	char reason[512];
	job_done_fn done;
	void *done_arg;
};

static void endpoint_of(const struct job *j, char *buf, size_t len)
{
	endpoint_str(j->wildcard ? NULL : &j->to, j->si->cfg->port, buf, len);
}

static void free_job(struct job *j)
{
	for (size_t i = 0; i < j->nt; i++) {
		free(j->t[i].old);
		free(j->t[i].new);
	}
	free(j->t);
	free(j);
}

static void stop_child(struct job *j)
{
	if (!j->child_running)
		return;
	daemon_unwatch(j->d, &j->w_pid);
	if (j->child.outfd >= 0)
		daemon_unwatch(j->d, &j->w_out);
	child_kill(&j->child);
	/* SIGKILL of our own child: reaping is immediate. */
	while (j->child.pid > 0 && child_reap(&j->child, &(int){ 0 }) < 0)
		;
	child_close(&j->child);
	j->child_running = false;
}

static void stop_probe(struct job *j)
{
	if (!j->probe)
		return;
	daemon_unwatch(j->d, &j->w_probe);
	tlsprobe_free(j->probe);
	j->probe = NULL;
}

static void finish(struct job *j, bool ok)
{
	struct daemon *d = j->d;
	struct siteinfo *si = j->si;

	stop_child(j);
	stop_probe(j);
	timer_cancel(&d->timers, &j->deadline);
	timer_cancel(&d->timers, &j->retry);
	si->job = NULL;
	d->jobs_running--;
	if (j->done)
		j->done(j->done_arg, ok, ok ? NULL : j->reason);
	free_job(j);
	daemon_after_job(d, si);
}

static void commit(struct job *j)
{
	struct siteinfo *si = j->si;
	char old[ENDPOINT_STRLEN], new[ENDPOINT_STRLEN];
	bool moved = !j->wildcard && !ipaddr_eq(&si->cur, &j->to);
	struct ev e;

	endpoint_str(si->state == SS_WILDCARD ? NULL : &si->cur, si->cfg->port, old, sizeof(old));
	endpoint_of(j, new, sizeof(new));
	if (!j->wildcard) {
		si->cur = j->to;
		si->cur_ifindex = j->to_ifindex;
	}
	site_index_update(j->d, si);
	if (moved || si->state != (j->wildcard ? SS_WILDCARD : SS_BOUND))
		si->since = time(NULL);
	si->state = j->wildcard ? SS_WILDCARD : SS_BOUND;
	si->lost_reported = si->nocand_reported = false;
	site_set_waiting(si, false);
	daemon_write_state(j->d);
	/* A moved binding is committed before anyone is told (certbindctl, the log). */
	if (moved && daemon_flush_state(j->d) < 0)
		log_warnx("state file %s not updated; the binding is live but would be re-derived "
			  "at restart", j->d->pol->state_file);
	if (moved) {
		si->rebinds_ok++;
		si->reminders = 0;
		timer_cancel(&j->d->timers, &si->remind);
		ev_begin(&e, "rebind");
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "old", old);
		ev_add(&e, "new", new);
		ev_add(&e, "fingerprint", si->cert.fingerprint);
		ev_emit(&e, LOG_NOTICE);
		site_event(si, "rebind");
	} else {
		bool rewrote = false;
		for (size_t i = 0; i < j->nt; i++)
			rewrote |= j->t[i].written;
		if (rewrote) {
			ev_begin(&e, "rendered");
			ev_add(&e, "site", si->cfg->name);
			ev_add(&e, "endpoint", new);
			ev_add(&e, "fingerprint", si->cert.fingerprint);
			ev_emit(&e, LOG_INFO);
		}
	}
	finish(j, true);
}

/* Names another unbound site of the same server: the usual reason a shared reload fails. */
static void add_hint(struct job *j, struct ev *e)
{
	for (size_t i = 0; i < j->d->nsites; i++) {
		struct siteinfo *o = &j->d->sites[i];
		if (o != j->si && o->state == SS_UNBOUND && site_same_server(o->cfg, j->si->cfg)) {
			char hint[256];
			snprintf(hint, sizeof(hint),
				 "site %s of the same server is unbound and its listen address is "
				 "absent; see nonlocal_bind in certbind.conf(5)", o->cfg->name);
			ev_add(e, "hint", hint);
			return;
		}
	}
}

static void fail_logged(struct job *j, bool rolled_back)
{
	char old[ENDPOINT_STRLEN], new[ENDPOINT_STRLEN];
	struct siteinfo *si = j->si;
	struct ev e;

	endpoint_str(si->state == SS_WILDCARD ? NULL : &si->cur, si->cfg->port, old, sizeof(old));
	endpoint_of(j, new, sizeof(new));
	ev_begin(&e, "rebind-failed");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "old", old);
	ev_add(&e, "new", new);
	ev_add(&e, "reason", j->reason);
	ev_add(&e, "rollback", rolled_back ? "yes" : "no");
	add_hint(j, &e);
	ev_emit(&e, LOG_ERR);
	site_event(si, "rebind-failed");
	if (!j->initial)
		si->rebinds_failed++;
	j->d->metrics_dirty = true;
	site_alert(si, "rebind-failed", old, new, j->reason);
	/* Stay unbound, but try again when a matching address next appears. */
	if (!j->initial && si->cfg->on_change == ONC_REBIND)
		site_set_waiting(si, true);
	if (!rolled_back && !j->initial) {
		/* on_failure = alert: the new files stay; the binding is there but unproven. */
		si->cur = j->to;
		si->cur_ifindex = j->to_ifindex;
		si->state = SS_FAILED;
		si->since = time(NULL);
		site_index_update(j->d, si);
		daemon_write_state(j->d);
	}
	finish(j, false);
}

/* Restores every target written so far. Returns 0, or -1 if some could not be. */
static int restore_files(struct job *j)
{
	int rc = 0;

	for (size_t i = 0; i < j->nt; i++) {
		struct tgt *t = &j->t[i];
		const char *out = j->si->cfg->targets[i].output;
		int err;
		if (!t->written)
			continue;
		err = t->old ? file_replace(out, t->old, t->oldlen, 0644) : file_remove(out);
		if (err < 0 && err != -ENOENT) {
			log_msg(LOG_ERR, "rollback of %s failed: %s", out, strerror(-err));
			rc = -1;
		} else {
			t->written = false;
		}
	}
	return rc;
}

static int start_reload(struct job *j);

static void fail(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct job *j, const char *fmt, ...)
{
	char reason[sizeof(j->reason)];
	va_list ap;
	bool any = false;

	/* Through a copy: callers pass j->reason itself as an argument. */
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	memcpy(j->reason, reason, sizeof(reason));
	stop_child(j);
	stop_probe(j);
	timer_cancel(&j->d->timers, &j->deadline);
	timer_cancel(&j->d->timers, &j->retry);
	if (j->si->cfg->on_failure != ONF_ROLLBACK && !j->initial) {
		fail_logged(j, false);
		return;
	}
	for (size_t i = 0; i < j->nt; i++)
		any |= j->t[i].written;
	if (restore_files(j) < 0) {
		fail_logged(j, false);
		return;
	}
	/* The server may have taken the new files: reload it back onto the old ones. */
	if (any && j->si->cfg->reload && j->phase != PH_ROLLBACK) {
		j->phase = PH_ROLLBACK;
		if (start_reload(j) == 0)
			return;
	}
	fail_logged(j, true);
}

static void verify_attempt(void *arg);
static void start_verify(struct job *j);

static void on_deadline(void *arg)
{
	struct job *j = arg;
	char ep[ENDPOINT_STRLEN];

	if (j->phase == PH_RELOAD) {
		fail(j, "reload timed out after %u ms (process group killed)",
		     j->si->cfg->reload_timeout_ms);
	} else if (j->phase == PH_ROLLBACK) {
		stop_child(j);
		snprintf(j->reason + strlen(j->reason), sizeof(j->reason) - strlen(j->reason),
			 "; the rollback reload timed out too");
		fail_logged(j, true);
	} else if (j->phase == PH_LISTEN) {
		struct ev e;
		endpoint_of(j, ep, sizeof(ep));
		ev_begin(&e, "listener-missing");
		ev_add(&e, "site", j->si->cfg->name);
		ev_add(&e, "endpoint", ep);
		ev_addf(&e, "waited_ms", "%u", j->si->cfg->verify_timeout_ms);
		ev_add(&e, "reason", "the reload command succeeded but nothing listens there: the "
		       "server did not take the new configuration (check its error log)");
		ev_emit(&e, LOG_ERR);
		site_event(j->si, "listener-missing");
		fail(j, "nothing listens on %s after the reload", ep);
	} else {
		endpoint_of(j, ep, sizeof(ep));
		char last[sizeof(j->reason)];
		snprintf(last, sizeof(last), "%s", j->reason[0] ? j->reason : "no answer");
		fail(j, "verification of %s failed within %u ms: %s", ep,
		     j->si->cfg->verify_timeout_ms, last);
	}
}

static void verify_done(struct job *j, int r, const unsigned char *digest)
{
	stop_probe(j);
	if (r == 1 && !memcmp(digest, j->si->cert.sha256, 32)) {
		commit(j);
		return;
	}
	if (r == 1) {
		char fp[FINGERPRINT_LEN];
		cert_fingerprint_str(digest, fp, sizeof(fp));
		snprintf(j->reason, sizeof(j->reason), "the endpoint serves another certificate (%s)",
			 fp);
	}
	/* A reloading server takes a moment to listen: try again until the deadline. */
	timer_arm(&j->d->timers, &j->retry, now_ms() + VERIFY_RETRY_MS);
}

static void on_probe(struct daemon *d, struct watcher *w, uint32_t events)
{
	struct job *j = w->arg;
	unsigned char digest[32];
	int r = tlsprobe_step(j->probe, digest);

	if (r == 0) {
		daemon_unwatch(d, &j->w_probe);
		daemon_watch(d, &j->w_probe, tlsprobe_events(j->probe));
		return;
	}
	if (r < 0)
		snprintf(j->reason, sizeof(j->reason), "%s", tlsprobe_error(j->probe));
	verify_done(j, r, digest);
}

static void verify_attempt(void *arg)
{
	struct job *j = arg;
	const struct ipaddr *a = &j->to;
	struct ipaddr lo;

	if (j->wildcard) {
		/* All addresses: loopback of the family the server must accept on. */
		ipaddr_parse("127.0.0.1", &lo);
		a = &lo;
	}
	j->probe = tlsprobe_start(j->d->sslctx, a, j->si->cfg->port, j->si->cfg->server_name);
	if (!j->probe) {
		snprintf(j->reason, sizeof(j->reason), "cannot connect: %s", strerror(errno));
		timer_arm(&j->d->timers, &j->retry, now_ms() + VERIFY_RETRY_MS);
		return;
	}
	j->w_probe = (struct watcher){ .fd = tlsprobe_fd(j->probe), .cb = on_probe, .arg = j };
	daemon_watch(j->d, &j->w_probe, tlsprobe_events(j->probe));
}

static void start_verify(struct job *j)
{
	if (!j->si->cfg->verify) {
		commit(j);
		return;
	}
	j->phase = PH_VERIFY;
	j->retry.fn = verify_attempt;
	j->reason[0] = '\0';
	j->deadline.fn = on_deadline;
	timer_arm(&j->d->timers, &j->deadline, now_ms() + j->si->cfg->verify_timeout_ms);
	verify_attempt(j);
}

/* Is something listening on the new endpoint (or the wildcard for its port)? */
static void listen_poll(void *arg)
{
	struct job *j = arg;
	struct listener *v = NULL;
	struct ipaddr any = { .family = AF_INET };
	size_t n = 0;
	bool ok;

	if (!j->d->listeners || listeners_dump(j->d->listeners, &v, &n) < 0) {
		/* No inet_diag here: the handshake alone will tell. */
		free(v);
		timer_cancel(&j->d->timers, &j->deadline);
		start_verify(j);
		return;
	}
	ok = listeners_serve(v, n, j->wildcard ? &any : &j->to, j->si->cfg->port);
	free(v);
	if (ok) {
		timer_cancel(&j->d->timers, &j->deadline);
		start_verify(j);
		return;
	}
	timer_arm(&j->d->timers, &j->retry, now_ms() + LISTEN_POLL_MS);
}

static void start_listen_wait(struct job *j)
{
	j->phase = PH_LISTEN;
	j->retry.fn = listen_poll;
	j->deadline.fn = on_deadline;
	timer_arm(&j->d->timers, &j->deadline, now_ms() + j->si->cfg->verify_timeout_ms);
	listen_poll(j);
}

static void on_child_output(struct daemon *d, struct watcher *w, uint32_t events)
{
	struct job *j = w->arg;

	if (child_read_output(&j->child))
		daemon_unwatch(d, &j->w_out);
}

static void on_child_exit(struct daemon *d, struct watcher *w, uint32_t events)
{
	struct job *j = w->arg;
	char st[64];
	int status;

	if (child_reap(&j->child, &status) < 0)
		return;
	if (j->child.outfd >= 0) {
		child_read_output(&j->child);
		daemon_unwatch(d, &j->w_out);
	}
	daemon_unwatch(d, &j->w_pid);
	child_close(&j->child);
	j->child_running = false;
	timer_cancel(&d->timers, &j->deadline);
	child_status_str(status, st, sizeof(st));
	if (j->phase == PH_ROLLBACK) {
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			snprintf(j->reason + strlen(j->reason), sizeof(j->reason) - strlen(j->reason),
				 "; the rollback reload failed too (%s)", st);
		fail_logged(j, true);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		const char *line = child_output_line(&j->child);
		fail(j, "reload %s%s%s", st, *line ? ": " : "", line);
		return;
	}
	start_listen_wait(j);
}

static int start_reload(struct job *j)
{
	int err = child_spawn(j->si->cfg->reload, NULL, &j->child);

	if (err < 0) {
		snprintf(j->reason, sizeof(j->reason), "cannot run %s: %s", j->si->cfg->reload[0],
			 strerror(-err));
		return -1;
	}
	j->child_running = true;
	j->w_pid = (struct watcher){ .fd = j->child.pidfd, .cb = on_child_exit, .arg = j };
	j->w_out = (struct watcher){ .fd = j->child.outfd, .cb = on_child_output, .arg = j };
	daemon_watch(j->d, &j->w_pid, EPOLLIN);
	daemon_watch(j->d, &j->w_out, EPOLLIN);
	j->deadline.fn = on_deadline;
	timer_arm(&j->d->timers, &j->deadline, now_ms() + j->si->cfg->reload_timeout_ms);
	return 0;
}

/* Renders every target and reads what is there now. 0, or -1 with j->reason set. */
static int render_all(struct job *j)
{
	const struct site *s = j->si->cfg;
	struct render_vars v;
	struct render_bufs b;

	render_vars_init(&v, &b, s, j->wildcard ? NULL : &j->to, j->si->cert.fingerprint);
	j->t = calloc(s->ntargets ? s->ntargets : 1, sizeof(*j->t));
	if (!j->t)
		return snprintf(j->reason, sizeof(j->reason), "out of memory"), -1;
	j->nt = s->ntargets;
	for (size_t i = 0; i < j->nt; i++) {
		struct tgt *t = &j->t[i];
		int err = file_read(s->targets[i].output, TARGET_MAX, &t->old, &t->oldlen);
		if (err < 0 && err != -ENOENT) {
			snprintf(j->reason, sizeof(j->reason), "cannot read %s: %s",
				 s->targets[i].output,
				 err == -ELOOP ? "it is a symlink (refused)" : strerror(-err));
			return -1;
		}
		t->new = render_target(&s->targets[i], &v, &t->newlen);
		if (!t->new) {
			snprintf(j->reason, sizeof(j->reason), "cannot render %s",
				 s->targets[i].output);
			return -1;
		}
	}
	return 0;
}

static bool changed(const struct tgt *t)
{
	return !t->old || t->oldlen != t->newlen || memcmp(t->old, t->new, t->newlen);
}

int job_start(struct daemon *d, struct siteinfo *si, const struct ipaddr *to, int to_ifindex,
	      bool initial, job_done_fn done, void *done_arg)
{
	struct job *j = calloc(1, sizeof(*j));
	char ep[ENDPOINT_STRLEN];
	bool any = false;

	if (!j)
		return -1;
	j->d = d;
	j->si = si;
	j->wildcard = to == NULL;
	if (to)
		j->to = *to;
	j->to_ifindex = to_ifindex;
	j->initial = initial;
	j->done = done;
	j->done_arg = done_arg;
	j->deadline = (struct timer){ .fn = on_deadline, .arg = j };
	j->retry = (struct timer){ .fn = verify_attempt, .arg = j };
	si->job = j;
	d->jobs_running++;
	endpoint_of(j, ep, sizeof(ep));

	if (!si->cert_ok) {
		snprintf(j->reason, sizeof(j->reason), "the site's certificate is unusable");
		fail_logged(j, false);
		return -1;
	}
	if (!j->wildcard && si->cfg->san_check != SAN_OFF &&
	    !cert_covers(&si->cert, &j->to, si->cfg->server_name)) {
		struct ev e;
		ev_begin(&e, "cert-mismatch");
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "endpoint", ep);
		ev_add(&e, "certificate", si->cfg->certificate);
		ev_add(&e, "reason", si->cert.has_ip_san ? "address not in the certificate's IP SANs"
			: "server_name not covered by the certificate");
		if (si->cfg->san_check == SAN_REQUIRE) {
			ev_add(&e, "action", "refused");
			ev_emit(&e, LOG_ERR);
			site_event(si, "cert-mismatch");
			si->job = NULL;
			d->jobs_running--;
			if (done)
				done(done_arg, false, "the certificate does not cover the new address");
			free_job(j);
			return -1;
		}
		ev_emit(&e, LOG_WARNING);
	}
	if (render_all(j) < 0) {
		fail(j, "%s", j->reason);
		return -1;
	}
	for (size_t i = 0; i < j->nt; i++)
		any |= changed(&j->t[i]);
	if (d->dry_run) {
		struct ev e;
		ev_begin(&e, "dry-run");
		ev_add(&e, "site", si->cfg->name);
		ev_add(&e, "would", any ? (si->cfg->reload ? "render,reload,verify" : "render,verify")
		       : "nothing (files up to date)");
		ev_add(&e, "endpoint", ep);
		ev_emit(&e, LOG_NOTICE);
		si->job = NULL;
		d->jobs_running--;
		if (done)
			done(done_arg, true, NULL);
		free_job(j);
		return 0;
	}
	if (!any && initial) {
		/* Already in place: no rewrite, no reload (and nothing new to prove). */
		commit(j);
		return 0;
	}
	for (size_t i = 0; i < j->nt; i++) {
		struct tgt *t = &j->t[i];
		int err;
		if (!changed(t))
			continue;
		err = file_replace(si->cfg->targets[i].output, t->new, t->newlen, 0644);
		if (err < 0) {
			fail(j, "cannot write %s: %s", si->cfg->targets[i].output,
			     err == -ELOOP ? "it is a symlink (refused)" : strerror(-err));
			return -1;
		}
		t->written = true;
	}
	j->phase = PH_RELOAD;
	if (any && si->cfg->reload) {
		if (start_reload(j) < 0) {
			fail(j, "%s", j->reason);
			return -1;
		}
		return 0;
	}
	start_verify(j);
	return 0;
}

void job_abort(struct daemon *d, struct job *j)
{
	/* Shutdown mid-job: put the files back as they were; the binding stays the old one. */
	stop_child(j);
	stop_probe(j);
	restore_files(j);
	snprintf(j->reason, sizeof(j->reason), "daemon stopping");
	timer_cancel(&d->timers, &j->deadline);
	timer_cancel(&d->timers, &j->retry);
	j->si->job = NULL;
	d->jobs_running--;
	if (j->done)
		j->done(j->done_arg, false, j->reason);
	free_job(j);
}
