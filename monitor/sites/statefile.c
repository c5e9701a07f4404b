// SPDX-License-Identifier: MIT
/* Bindings of every site -> the state file, with one message when writing starts or stops failing. */
#include "monitor/sites/statefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/core/clock.h"
#include "monitor/core/log.h"
#include "monitor/report/state.h"

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
		const struct siteinfo *si = &set->v[i];
		snprintf(b[i].site, sizeof(b[i].site), "%s", si->cfg->name);
		b[i].wildcard = si->cfg->wildcard;
		b[i].addr = si->fsm.cur;
		b[i].port = si->cfg->port;
		snprintf(b[i].fingerprint, sizeof(b[i].fingerprint), "%s",
			 si->fsm.cert_ok ? si->cert.fingerprint : "");
		snprintf(b[i].state, sizeof(b[i].state), "%s", sitefsm_state_name(si->fsm.state));
		b[i].since = si->fsm.since;
		endpoint_str(si->cfg->wildcard ? NULL : &si->cfg->addr, si->cfg->port,
			     b[i].configured, sizeof(b[i].configured));
		snprintf(b[i].last_event, sizeof(b[i].last_event), "%s", si->last_event);
		b[i].last_event_at = si->last_event_at;
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
		set->state_dirty = true;
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
