/* SPDX-License-Identifier: MIT */
/* `certbindd -t` / `certbindctl check`: validate a policy and every certificate and key. */
#ifndef CERTBIND_CHECK_H
#define CERTBIND_CHECK_H

#include <stdio.h>

/* Prints each problem (FILE:LINE: message, or site NAME: message); returns 0 or 78. */
int check_policy(const char *path, FILE *out, FILE *err);

#endif
