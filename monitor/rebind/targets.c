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

int targets_write(struct pipe_item *it)
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
