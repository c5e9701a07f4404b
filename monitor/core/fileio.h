/* SPDX-License-Identifier: MIT */
/* Whole-file reads and crash-safe replacement (temp, fsync, rename, fsync dir). */
#ifndef CERTBIND_FILEIO_H
#define CERTBIND_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Reads path (never through a symlink) into a NUL-terminated malloc'd buffer.
 * Returns 0, or -errno (-ENOENT when absent, -EFBIG beyond max, -ELOOP for a symlink).
 */
int file_read(const char *path, size_t max, char **buf, size_t *len);

/*
 * Replaces path atomically with buf: a temporary file in the same directory (O_EXCL,
 * O_NOFOLLOW), fsync, rename over path, fsync of the directory. A symlink at path is
 * refused (-ELOOP), never followed. The file keeps its mode if it existed, else gets mode.
 * Returns 0 or -errno; on failure path is untouched and no temporary file is left.
 */
int file_replace(const char *path, const void *buf, size_t len, mode_t mode);

/*
 * Removes temporary files file_replace left beside path when the process was killed
 * mid-write (they are dot files the server never reads). Returns how many were removed.
 */
int file_clean_temps(const char *path);

/* Removes path (not through a symlink) and fsyncs its directory. 0 or -errno. */
int file_remove(const char *path);

#endif
