// SPDX-License-Identifier: MIT
/* Target files: the previous content is kept in memory so a rollback restores it exactly. */
#include "monitor/rebind/targets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/core/fileio.h"
#include "monitor/core/log.h"
#include "monitor/rebind/render.h"

#define TARGET_MAX (1024 * 1024)

struct pipe_tgt {
	char *old;            /* previous content (NULL: the file did not exist) */
	size_t oldlen;
	char *new;
	size_t newlen;
	bool written;
};

static const char *why(int err)
{
	return err == -ELOOP ? "it is a symlink (refused)" : strerror(-err);
}

/* What an operator does about a write that failed (the first day's usual problems). */
static const char *fix_for(int err)
{
	switch (err) {
	case -ENOENT:
		return "the target's directory does not exist: create it (install -d DIR)";
	case -EROFS:
		return "read-only for certbindd: under systemd, add the directory to "
		       "ReadWritePaths=- in a drop-in (systemctl edit certbindd), then "
		       "systemctl restart certbindd: a drop-in takes effect only at a restart";
	case -EACCES:
	case -EPERM:
		return "certbindd may not write there: check the directory's owner and mode";
	default:
		return NULL;
	}
}

/*
 * A site the server refuses whatever certbind renders (its certificate, key or include is
 * broken) is taken out of the server's configuration: a comment, which nginx, Apache and
 * HAProxy all read as nothing, so the server can reload for the other sites.
 */
static char *disabled_stub(const struct site *s, size_t *len)
{
	char *out = NULL;
	int n = asprintf(&out, "# certbind: site %s is disabled: the server refused its "
			 "certificate, key or include (see certbindctl show %s); it is rendered "
			 "again once they change\n", s->name, s->name);

	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}

int targets_prepare(struct pipe_item *it)
{
	const struct site *s = it->site;
	struct render_vars v;
	struct render_bufs b;

	render_vars_init(&v, &b, s, it->wildcard ? NULL : &it->to, it->fingerprint);
	it->t = calloc(s->ntargets ? s->ntargets : 1, sizeof(*it->t));
	if (!it->t)
		return snprintf(it->reason, sizeof(it->reason), "out of memory"), -1;
	it->nt = s->ntargets;
	for (size_t i = 0; i < it->nt; i++) {
		struct pipe_tgt *t = &it->t[i];
		int err = file_read(s->targets[i].output, TARGET_MAX, &t->old, &t->oldlen);
		if (err < 0 && err != -ENOENT)
			return snprintf(it->reason, sizeof(it->reason), "cannot read %s: %s",
					s->targets[i].output, why(err)), -1;
		t->new = it->disabling ? disabled_stub(s, &t->newlen)
				       : render_target(&s->targets[i], &v, &t->newlen);
		if (!t->new)
			return snprintf(it->reason, sizeof(it->reason), "cannot render %s",
					s->targets[i].output), -1;
	}
	return 0;
}

static bool changed(const struct pipe_tgt *t)
{
	return !t->old || t->oldlen != t->newlen || memcmp(t->old, t->new, t->newlen);
}

bool targets_changed(const struct pipe_item *it)
{
	for (size_t i = 0; i < it->nt; i++)
		if (changed(&it->t[i]))
			return true;
	return false;
}

/* One item's changed targets, each made durable on its own (the fallback). */
static int write_one(struct pipe_item *it)
{
	for (size_t i = 0; i < it->nt; i++) {
		struct pipe_tgt *t = &it->t[i];
		const char *out = it->site->targets[i].output;
		int err;
		if (!changed(t))
			continue;
		err = file_replace(out, t->new, t->newlen, 0644);
		if (err < 0)
			return it->hint = fix_for(err), snprintf(it->reason, sizeof(it->reason),
					"cannot write %s: %s", out, why(err)), -1;
		t->written = true;
		it->rewrote = true;
	}
	return 0;
}

/* Takes it out of the job: its files back as they were, failed (it->reason set). */
static void drop(struct pipe_item *it)
{
	targets_restore(it);
	it->outcome = PO_FAILED;
}

/* The changed targets of the items v[0..n), written together; a failed item is dropped. */
static void write_together(struct pipe_item **v, size_t n)
{
	size_t nw = 0, k = 0;
	struct file_write *w;
	int *err;
	size_t *who;

	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < v[i]->nt; t++)
			nw += changed(&v[i]->t[t]);
	w = calloc(nw + 1, sizeof(*w));
	err = calloc(nw + 1, sizeof(*err));
	who = calloc(nw + 1, sizeof(*who));
	if (!w || !err || !who) {
		for (size_t i = 0; i < n; i++)
			if (write_one(v[i]) < 0)
				drop(v[i]);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < v[i]->nt; t++)
			if (changed(&v[i]->t[t])) {
				w[k] = (struct file_write){ .path = v[i]->site->targets[t].output,
					.buf = v[i]->t[t].new, .len = v[i]->t[t].newlen, .mode = 0644 };
				who[k++] = i * 65536 + t;   /* targets per site are few */
			}
	file_replace_many(w, nw, err);
	for (k = 0; k < nw; k++) {
		struct pipe_item *it = v[who[k] / 65536];
		if (err[k] < 0) {
			it->hint = fix_for(err[k]);
			snprintf(it->reason, sizeof(it->reason), "cannot write %s: %s", w[k].path,
				 why(err[k]));
			it->outcome = PO_FAILED;       /* dropped below, all its files back */
			continue;
		}
		it->t[who[k] % 65536].written = true;
		it->rewrote = true;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i]->outcome == PO_FAILED)
			drop(v[i]);
out:
	free(w);
	free(err);
	free(who);
}

size_t targets_write_all(struct pipe_item *items, size_t n, bool dry_run, bool can_reload,
			 bool *written)
{
	struct pipe_item **v = calloc(n + 1, sizeof(*v));
	size_t nv = 0, out = 0;

	for (size_t i = 0; i < n; i++) {
		struct pipe_item *it = &items[i];
		if (it->outcome != PO_PENDING)
			continue;
		if (targets_prepare(it) < 0) {
			it->outcome = PO_FAILED;
			out++;
		} else if (dry_run) {
			targets_log_dry_run(it, can_reload);
			it->outcome = PO_DRY_RUN;
			out++;
		} else if (v) {
			v[nv++] = it;
		} else if (write_one(it) < 0) {
			drop(it);
			out++;
		}
	}
	write_together(v, nv);
	for (size_t i = 0; i < nv; i++) {
		if (v[i]->outcome == PO_FAILED)
			out++;
		else
			*written |= targets_written(v[i]) || v[i]->force_reload;
	}
	free(v);
	return out;
}

bool targets_written(const struct pipe_item *it)
{
	for (size_t i = 0; i < it->nt; i++)
		if (it->t[i].written)
			return true;
	return false;
}

int targets_restore(struct pipe_item *it)
{
	int rc = 0;

	for (size_t i = 0; i < it->nt; i++) {
		struct pipe_tgt *t = &it->t[i];
		const char *out = it->site->targets[i].output;
		int err;
		if (!t->written)
			continue;
		if (!t->old) {
			if (rc == 0)
				rc = 1;
			continue;
		}
		err = file_replace(out, t->old, t->oldlen, 0644);
		if (err < 0) {
			log_msg(LOG_ERR, "rollback of %s failed: %s", out, strerror(-err));
			rc = -1;
		} else {
			t->written = false;
		}
	}
	return rc;
}

bool targets_created(const struct pipe_item *it)
{
	for (size_t i = 0; i < it->nt; i++)
		if (!it->t[i].old)
			return true;
	return false;
}

void targets_free(struct pipe_item *it)
{
	for (size_t i = 0; i < it->nt; i++) {
		free(it->t[i].old);
		free(it->t[i].new);
	}
	free(it->t);
	it->t = NULL;
	it->nt = 0;
}

void targets_log_dry_run(const struct pipe_item *it, bool can_reload)
{
	char ep[ENDPOINT_STRLEN];
	struct ev e;

	ev_begin(&e, "dry-run");
	ev_add(&e, "site", it->site->name);
	ev_add(&e, "would", targets_changed(it) ? (can_reload ? "render,reload,verify"
				  : "render,verify") : "nothing (files up to date)");
	ev_add(&e, "endpoint", endpoint_str(it->wildcard ? NULL : &it->to, it->site->port, ep,
					    sizeof(ep)));
	ev_emit(&e, LOG_NOTICE);
}
