/* SPDX-License-Identifier: MIT */
/* A server's error log, read from where it ended before a reload: its own words on a failure. */
#ifndef CERTBIND_ERRLOG_H
#define CERTBIND_ERRLOG_H

/* Where path ends now (its size), or -1 (no such file, or none configured). */
long long errlog_mark(const char *path);
/*
 * What was appended to path since mark: at most the last 64 KiB of it, NUL-terminated,
 * malloc'd (the caller frees), or NULL when nothing was (or the log was rotated: then its
 * start). Never blocks on anything but a regular file's read.
 */
char *errlog_since(const char *path, long long mark);

#endif
