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
/* Puts back every target written so far. 0, or -1 when one could not be (logged). */
int targets_restore(struct pipe_item *it);
void targets_free(struct pipe_item *it);

#endif
