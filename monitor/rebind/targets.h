/* SPDX-License-Identifier: MIT */
/* A site's target files in a job: rendered, compared, written, restored byte for byte. */
#ifndef CERTBIND_TARGETS_H
#define CERTBIND_TARGETS_H

#include "monitor/rebind/pipeline.h"

/* Renders every target of it for it->to and reads what is there now. 0, or -1 (it->reason). */
int targets_prepare(struct pipe_item *it);
/* Would writing change any file? */
bool targets_changed(const struct pipe_item *it);
/*
 * A job's files: every pending item rendered (targets_prepare), then the targets whose
 * content changes written, all made durable together (one syncfs: file_replace_many), each
 * rename atomic. An item that cannot be rendered or written fails (it->reason; its files
 * back as they were, so the server never reloads half of a site); in a dry run each is
 * logged instead (PO_DRY_RUN). Returns how many items left the job; *written |= whether
 * anything was written (or must be re-read: force_reload).
 */
size_t targets_write_all(struct pipe_item *items, size_t n, bool dry_run, bool can_reload,
			 bool *written);
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
