/* SPDX-License-Identifier: MIT */
/* Which site of a failed batch the server's own words name: its endpoint or one of its files. */
#ifndef CERTBIND_CULPRIT_H
#define CERTBIND_CULPRIT_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/rebind/pipeline.h"

/*
 * The first line of text that names it: its endpoint ("198.51.100.20:443",
 * "[2001:db8::1]:443", as nginx, Apache and HAProxy print them), a target file it renders,
 * its certificate or key (for it->to), or its Apache include. The line is copied into buf
 * (trimmed); NULL when no line names it. A name only counts whole: "192.0.2.2:443" is not
 * named by "192.0.2.20:443", nor "/x/s1.conf" by "/x/s1.conf.bak".
 */
const char *culprit_line(const char *text, const struct pipe_item *it, char *buf, size_t len);

/*
 * What the words name of it: CK_NEW, something only its new rendering brings (its new
 * endpoint, a line of a file it renders: restoring its old files undoes it); CK_INPUT, a file
 * its old binding uses too (its certificate, key or include: the server refuses it whatever
 * certbind renders, so the site must be taken out of the server's configuration).
 */
enum culprit_kind { CK_NONE, CK_NEW, CK_INPUT };
enum culprit_kind culprit_kind(const char *text, const struct pipe_item *it, char *buf,
			       size_t len);

/*
 * The items marked in pend failed together at one step. Those that words (the checker's
 * error line) or log (the server's error log since the reload) name get that line as their
 * reason, after prefix (and `disable` when their inputs are named: see culprit_kind); the
 * others are marked `again` (to be tried apart from them).
 */
void culprit_mark(struct pipe_item *items, size_t n, const bool *pend, const char *words,
		  const char *log, const char *prefix);
/* Failed items that log names get "; the server's error log: LINE" added to their reason. */
void culprit_explain(struct pipe_item *items, size_t n, const char *log);

/* Does line name needle as a whole word (the characters around it end the name)? */
bool culprit_names(const char *line, size_t linelen, const char *needle);

#endif
