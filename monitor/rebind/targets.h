/* SPDX-License-Identifier: MIT */
/* A site's target files in a job: rendered, compared, written, restored byte for byte. */
#ifndef CERTBIND_TARGETS_H
#define CERTBIND_TARGETS_H

#include "monitor/rebind/pipeline.h"

/* Renders every target of it for it->to and reads what is there now. 0, or -1 (it->reason). */
int targets_prepare(struct pipe_item *it);
/* Would writing change any file? */
bool targets_changed(const struct pipe_item *it);
/* Writes the targets whose content changes (atomically). 0, or -1 (it->reason). */
int targets_write(struct pipe_item *it);
/* Did targets_write write anything (that a restore would undo)? */
bool targets_written(const struct pipe_item *it);
/*
 * Puts back every target written so far. A file that did not exist before stays as
 * written: a rollback never leaves "no file" where a server's configuration may already
 * include it. 0 all restored; 1 all that existed restored, a new file kept; -1 one could
 * not be (logged).
 */
int targets_restore(struct pipe_item *it);
/* Did this job create a target that did not exist before? */
bool targets_created(const struct pipe_item *it);
void targets_free(struct pipe_item *it);
/* certbindd -n: what a job would do for it (after targets_prepare). */
void targets_log_dry_run(const struct pipe_item *it, bool can_reload);

#endif
