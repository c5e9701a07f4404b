/* SPDX-License-Identifier: MIT */
/* The control socket certbindctl talks to (see certbindctl(8) for the protocol). */
#ifndef CERTBIND_CONTROL_H
#define CERTBIND_CONTROL_H

#include "monitor/daemon/daemon.h"

/* Opens the policy's control socket (mode 0660) in d's loop. 0, or -1 (logged). */
int control_open(struct daemon *d);
/* Does a daemon answer on this control socket? */
bool control_answers(const char *path);
/* Closes every connection and the socket (unlinked). */
void control_close(struct daemon *d);

#endif
