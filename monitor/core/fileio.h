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

/* One file of a file_replace_many. */
struct file_write {
	const char *path;
	const void *buf;
	size_t len;
	mode_t mode;
};

/*
 * file_replace for n files at once, at the cost of one: each is written to its temporary
 * file, then all are made durable by one syncfs per filesystem, then each is renamed over
 * its path, then each directory is fsync'd once. Every rename stays atomic. err[i] is 0 or
 * -errno per file (a failed one is untouched); returns how many failed.
 */
size_t file_replace_many(const struct file_write *w, size_t n, int *err);

/*
 * Removes temporary files file_replace left beside path when the process was killed
 * mid-write (they are dot files the server never reads). Returns how many were removed.
 */
int file_clean_temps(const char *path);

/* Removes path (not through a symlink) and fsyncs its directory. 0 or -errno. */
int file_remove(const char *path);

#endif
