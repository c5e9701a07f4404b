/* SPDX-License-Identifier: MIT */
/* Canonical text of a libconfig setting, so that two policies compare whole, field by field. */
#ifndef CERTBIND_CANON_H
#define CERTBIND_CANON_H

#include <libconfig.h>
#include <stddef.h>

/*
 * The canonical text of s (members of groups sorted by name, numbers in decimal, strings
 * escaped), followed by the extra texts (e.g. the content of files the setting names).
 * Two settings mean the same when their texts are equal. malloc'd, or NULL.
 */
char *canon_setting(const config_setting_t *s, const char *const *extra, size_t nextra);

#endif
