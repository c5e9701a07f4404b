/* SPDX-License-Identifier: MIT */
/* Alerts out: a site's alert command, run without a shell, with CERTBIND_* and a deadline. */
#ifndef CERTBIND_ALERT_H
#define CERTBIND_ALERT_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/core/loop.h"
#include "policy/policy.h"

struct alertproc;

struct alerter {
	struct loop *L;
	bool dry_run;
	struct alertproc *running;
	size_t nrunning;
};

void alert_init(struct alerter *a, struct loop *L, bool dry_run);
/* Runs s's alert command (if it has one) for event; its failure is logged (alert-failed). */
void alert_run(struct alerter *a, const struct site *s, const char *event, const char *old,
	       const char *new, const char *reason);
/* Kills the commands still running. */
void alert_free(struct alerter *a);

#endif
