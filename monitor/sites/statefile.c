// SPDX-License-Identifier: MIT
/* Bindings of every site -> the state file, with one message when writing starts or stops failing. */
#include "monitor/sites/statefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/core/clock.h"
#include "monitor/core/log.h"
#include "monitor/report/state.h"
#include "monitor/sites/siteview.h"

int statefile_flush(struct sites *set)
{
	const char *path = set->pol->state_file;
	struct binding *b;
	uint64_t t0;
	int err;

	if (set->env.dry_run || !set->state_dirty)
		return 0;
	set->state_dirty = false;
	b = calloc(set->n + 1, sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		snprintf(b[i].site, sizeof(b[i].site), "%s", v.cfg->name);
		b[i].wildcard = v.cfg->wildcard;
		if (v.addr)
			b[i].addr = *v.addr;     /* a wildcard site's is written as "*" */
		b[i].port = v.cfg->port;
		snprintf(b[i].fingerprint, sizeof(b[i].fingerprint), "%s",
			 v.fingerprint ? v.fingerprint : "");
		snprintf(b[i].state, sizeof(b[i].state), "%s", v.state_name);
		b[i].since = v.since;
		endpoint_str(v.cfg->wildcard ? NULL : &v.cfg->addr, v.cfg->port,
			     b[i].configured, sizeof(b[i].configured));
		snprintf(b[i].last_event, sizeof(b[i].last_event), "%s",
			 v.last_event ? v.last_event : "");
		b[i].last_event_at = v.last_event_at;
	}
	t0 = now_ms();
	err = state_write(path, b, set->n);
	free(b);
	set->state_written = now_ms();
	set->state_spacing = (unsigned)(set->state_written - t0) * (STATEFILE_SHARE - 1);
	if (set->state_spacing > STATEFILE_COALESCE_MS)
		set->state_spacing = STATEFILE_COALESCE_MS;
	if (set->L)
		loop_cancel(set->L, &set->state_timer);
	if (err < 0) {
		/* Kept dirty: the next pass tries again (e.g. after the directory is back). */
		sites_changed(set, SC_STATE);
		if (!set->state_failed)
			log_msg(LOG_ERR, "cannot write state file %s: %s; bindings stay live and the "
				"file is retried on every change", path, strerror(-err));
		set->state_failed = true;
		return -1;
	}
	if (set->state_failed)
		log_msg(LOG_NOTICE, "event=state-written-again file=%s", path);
	set->state_failed = false;
	return 0;
}

static void on_state_timer(void *arg)
{
	statefile_flush(arg);
}

void statefile_pass_end(struct sites *set)
{
	uint64_t due = set->state_written + set->state_spacing;

	if (set->env.dry_run || !set->state_dirty)
		return;
	if (!set->state_written || now_ms() >= due || !set->L) {
		statefile_flush(set);
		return;
	}
	if (!timer_armed(&set->state_timer)) {
		set->state_timer = (struct timer){ .fn = on_state_timer, .arg = set };
		loop_arm(set->L, &set->state_timer, due);
	}
}

void statefile_cancel(struct sites *set)
{
	if (set->L)
		loop_cancel(set->L, &set->state_timer);
}
