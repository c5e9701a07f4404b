// SPDX-License-Identifier: MIT
/* Issuing a certificate for an address: the command as a supervised child, checked result, backoff. */
#include "monitor/sites/issue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/core/child.h"
#include "monitor/core/log.h"
#include "monitor/report/alert.h"
#include "monitor/sites/certwatch.h"
#include "monitor/sites/sitelog.h"

#define BACKOFF_MAX_S 3600
#define RENEW_MIN_GAP_MS 60000   /* a CA's lifetime under renew_before_s: not a tight loop */

struct issuer {
	struct siteinfo *si;
	struct child child;
	struct timer timer;          /* renewal, or the end of a backoff */
	void (*due)(struct siteinfo *si);
	issue_done_fn done;
	struct ipaddr to, old;
	bool has_old;
	unsigned backoff_s;          /* 0: not backing off */
	uint64_t retry_at;           /* now_ms(): no attempt before, unless forced */
	long long alerted_at;        /* wall clock of the last issue-failed alert */
	uint64_t issued_ms;          /* now_ms() of the last certificate issued */
};

static struct issuer *issuer_of(struct siteinfo *si)
{
	if (!si->issuer && (si->issuer = calloc(1, sizeof(*si->issuer))))
		si->issuer->si = si;
	return si->issuer;
}

time_t issue_renew_before(const struct site *s, const struct certinfo *ci)
{
	if (s->issue.renew_before_s != RENEW_BEFORE_THIRD)
		return (time_t)s->issue.renew_before_s;
	/* No lifetime known: two days, the old default. */
	return ci->not_after > ci->not_before && ci->not_before ?
	       (ci->not_after - ci->not_before) / 3 : 172800;
}

/* Does ci fit `to` for a site that issues: covers it, and not within renew_before_s? */
static enum issue_need judge(const struct site *s, const struct certinfo *ci,
			     const struct ipaddr *to, char *why, size_t len)
{
	char a[IPADDR_STRLEN];
	time_t now = time(NULL);

	ipaddr_str(to, a, sizeof(a));
	if (!ci->has_ip_san || !cert_covers(ci, to, NULL)) {
		snprintf(why, len, "certificate %s does not cover %s", cert_file(s, ci), a);
		return IN_ISSUE;
	}
	if (ci->not_after && ci->not_after - now <= issue_renew_before(s, ci)) {
		snprintf(why, len, "certificate %s expires in %lld s (renewed %lld s before "
			 "expiry%s)", cert_file(s, ci), (long long)(ci->not_after - now),
			 (long long)issue_renew_before(s, ci),
			 s->issue.renew_before_s == RENEW_BEFORE_THIRD ? ": a third of its lifetime" : "");
		return IN_ISSUE;
	}
	return IN_OK;
}

enum issue_need issue_check(struct siteinfo *si, const struct ipaddr *to, struct certinfo *ci,
			    char *why, size_t len)
{
	const struct site *s = si->cfg;
	struct errlist errs = { 0 };
	enum issue_need need;

	memset(ci, 0, sizeof(*ci));
	if (!s->issue.command && !s->cert_per_address)
		return IN_OK;
	if (cert_load(s, to, ci, &errs, NULL) < 0) {
		snprintf(why, len, "%s", errs.n ? errs.msg[0] : "certificate unusable");
		errlist_free(&errs);
		return s->issue.command ? IN_ISSUE : IN_BAD;
	}
	if (!s->issue.command)
		return IN_OK;
	need = judge(s, ci, to, why, len);
	if (need != IN_OK)
		cert_free(ci);
	return need;
}

static void arm_backoff(struct issuer *is)
{
	is->backoff_s = !is->backoff_s ? is->si->cfg->issue.backoff_min_s
			: is->backoff_s >= BACKOFF_MAX_S / 2 ? BACKOFF_MAX_S : is->backoff_s * 2;
	is->retry_at = now_ms() + (uint64_t)is->backoff_s * 1000;
	if (is->due)
		loop_arm(is->si->set->L, &is->timer, is->retry_at);
}

static void failed(struct issuer *is, const char *reason)
{
	struct siteinfo *si = is->si;
	char a[IPADDR_STRLEN], o[IPADDR_STRLEN] = "";
	long long now = time(NULL);
	struct ev e;

	si->issue_failures++;
	sites_changed(si->set, SC_METRICS);
	arm_backoff(is);
	ipaddr_str(&is->to, a, sizeof(a));
	if (is->has_old)
		ipaddr_str(&is->old, o, sizeof(o));
	ev_begin(&e, "issue-failed");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "address", a);
	ev_add(&e, "reason", reason);
	ev_addf(&e, "retry_in_s", "%u", is->backoff_s);
	ev_emit(&e, si->cfg->alert_priority);
	sitelog_event_why(si, "issue-failed", e.reason);
	/* An alert per alert.repeat_s, not per attempt. */
	if (!is->alerted_at || (si->cfg->alert_repeat_s &&
				now - is->alerted_at >= (long long)si->cfg->alert_repeat_s)) {
		is->alerted_at = now;
		alert_run(si->set->alerts, si->cfg, "issue-failed", o, a, reason);
	}
	is->done(si, false, reason);
}

static void issued(struct issuer *is)
{
	struct siteinfo *si = is->si;
	char a[IPADDR_STRLEN], na[32];
	struct tm tm;
	struct ev e;

	is->backoff_s = 0;
	is->retry_at = 0;
	is->issued_ms = now_ms();
	ipaddr_str(&is->to, a, sizeof(a));
	gmtime_r(&si->pending.not_after, &tm);
	strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ev_begin(&e, "issued");
	ev_add(&e, "site", si->cfg->name);
	ev_add(&e, "address", a);
	ev_add(&e, "fingerprint", si->pending.fingerprint);
	ev_add(&e, "not_after", na);
	ev_add(&e, "certificate", cert_file(si->cfg, &si->pending));
	ev_emit(&e, LOG_NOTICE);
	sitelog_event(si, "issued");
	is->done(si, true, NULL);
}

static void on_command(void *arg, const struct child_result *r)
{
	struct issuer *is = arg;
	struct siteinfo *si = is->si;
	struct errlist errs = { 0 };
	char why[512], line[256];

	/* Its exit status is information only (uacme exits 1 when nothing needed doing): the
	 * certificate on disk decides. */
	child_result_last_line(r, line, sizeof(line));
	issue_drop_pending(si);
	if (r->timed_out) {
		snprintf(why, sizeof(why), "the issue command timed out after %u ms (process group "
			 "killed)", si->cfg->issue.timeout_ms);
	} else if (cert_load(si->cfg, &is->to, &si->pending, &errs, NULL) < 0) {
		snprintf(why, sizeof(why), "%s%s%s", *line ? line : "", *line ? "; " : "",
			 errs.n ? errs.msg[0] : "no certificate");
	} else if (judge(si->cfg, &si->pending, &is->to, why, sizeof(why)) != IN_OK) {
		size_t n = strlen(why);
		if (*line)
			snprintf(why + n, sizeof(why) - n, " after the issue command (%s)", line);
		cert_free(&si->pending);
	} else {
		si->pending_for = is->to;
		errlist_free(&errs);
		issued(is);
		return;
	}
	errlist_free(&errs);
	failed(is, why);
}

static char *env(const char *k, const char *v)
{
	char *s = NULL;

	return asprintf(&s, "%s=%s", k, v ? v : "") < 0 ? NULL : s;
}

/* The command's argv, its placeholders expanded for `to` (malloc'd strings): 0 or -ENOMEM. */
static int build_argv(const struct site *s, const struct ipaddr *to, char **argv, size_t max)
{
	size_t n = 0;

	for (char **p = s->issue.command; *p && n + 1 < max; p++) {
		char buf[SITE_PATH_MAX];
		if (site_expand(s, *p, to, buf, sizeof(buf)) < 0 || !(argv[n++] = strdup(buf)))
			return -ENOMEM;
	}
	return 0;
}

/* Its fixed environment (7 malloc'd strings): 0 or -ENOMEM. */
static int build_env(const struct site *s, const struct ipaddr *to, const struct ipaddr *old,
		     char **envp)
{
	char a[IPADDR_STRLEN], o[IPADDR_STRLEN] = "", cb[SITE_PATH_MAX], kb[SITE_PATH_MAX];

	ipaddr_str(to, a, sizeof(a));
	if (old)
		ipaddr_str(old, o, sizeof(o));
	envp[0] = env("CERTBIND_SITE", s->name);
	envp[1] = env("CERTBIND_ADDRESS", a);
	envp[2] = env("CERTBIND_OLD_ADDRESS", o);
	envp[3] = env("CERTBIND_CERTIFICATE", site_cert_path(s, to, cb, sizeof(cb)));
	envp[4] = env("CERTBIND_KEY", site_key_path(s, to, kb, sizeof(kb)));
	envp[5] = env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	envp[6] = env("LANG", "C");
	for (int i = 0; i < 7; i++)
		if (!envp[i])
			return -ENOMEM;
	return 0;
}

int issue_start(struct siteinfo *si, const struct ipaddr *to, const struct ipaddr *old,
		bool forced, issue_done_fn done)
{
	const struct site *s = si->cfg;
	struct issuer *is = issuer_of(si);
	char *argv[64] = { 0 }, *envp[8] = { 0 }, a[IPADDR_STRLEN];
	int err;

	if (!is || !s->issue.command)
		return -EINVAL;
	if (child_running(&is->child))
		return -EBUSY;
	if (!forced && is->retry_at && now_ms() < is->retry_at)
		return -EAGAIN;
	is->to = *to;
	is->has_old = old && old->family;
	if (is->has_old)
		is->old = *old;
	is->done = done;
	err = build_argv(s, to, argv, 64);
	if (!err)
		err = build_env(s, to, is->has_old ? old : NULL, envp);
	if (!err)
		err = child_start(si->set->L, &is->child, argv, envp, s->issue.timeout_ms,
				  on_command, is);
	if (err == 0)
		log_info("event=issuing site=%s address=%s command=%s", s->name,
			 ipaddr_str(to, a, sizeof(a)), argv[0]);
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	for (int i = 0; i < 7; i++)
		free(envp[i]);
	return err;
}

static void on_timer(void *arg)
{
	struct issuer *is = arg;

	if (is->due)
		is->due(is->si);
}

void issue_arm(struct siteinfo *si, void (*due)(struct siteinfo *si))
{
	struct issuer *is;
	time_t at;

	if (!si->cfg->issue.command || !(is = issuer_of(si)))
		return;
	is->due = due;
	is->timer.fn = on_timer;
	is->timer.arg = is;
	if (is->retry_at) {
		loop_arm(si->set->L, &is->timer, is->retry_at);   /* backing off */
		return;
	}
	if (!si->fsm.cert_ok || !si->cert.not_after) {
		loop_cancel(si->set->L, &is->timer);
		return;
	}
	/* A timer at the threshold, on the boot-time clock (it counts suspend): no polling; a
	 * step of the wall clock arms it again. A certificate that is due again as soon as
	 * issued (renew_before_s above the CA's lifetime) waits a minute. */
	at = si->cert.not_after - issue_renew_before(si->cfg, &si->cert);
	uint64_t when = clock_at_wall(at);
	if (is->issued_ms && when < is->issued_ms + RENEW_MIN_GAP_MS)
		when = is->issued_ms + RENEW_MIN_GAP_MS;
	loop_arm(si->set->L, &is->timer, when);
}

void issue_commit_pending(struct siteinfo *si)
{
	if (!si->pending.leaf)
		return;
	certwatch_adopt(si, &si->pending);
	memset(&si->pending, 0, sizeof(si->pending));
}

void issue_drop_pending(struct siteinfo *si)
{
	cert_free(&si->pending);
	memset(&si->pending, 0, sizeof(si->pending));
}

void issue_stop(struct siteinfo *si)
{
	issue_drop_pending(si);
	if (!si->issuer)
		return;
	child_stop(&si->issuer->child);
	loop_cancel(si->set->L, &si->issuer->timer);
	free(si->issuer);
	si->issuer = NULL;
}

void issue_moved(struct siteinfo *old, struct siteinfo *ns)
{
	memset(&old->pending, 0, sizeof(old->pending));
	if (ns->issuer)
		ns->issuer->si = ns;
	old->issuer = NULL;
}

void issue_hold(struct siteinfo *si, const struct certinfo *ci, const struct ipaddr *to)
{
	si->pending = *ci;
	si->pending_for = *to;
}
