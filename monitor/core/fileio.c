// SPDX-License-Identifier: MIT
/* File reading and atomic replacement; see fileio.h for the guarantees. */
#include "monitor/core/fileio.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary files: ".NAME.certbind-XXXXXXXX", never matched by a server's "*.conf" glob. */
#define TEMP_TAG ".certbind-"

int file_read(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY), err = 0;
	struct stat st;
	char *b = NULL;
	size_t n = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, b + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return err;
}

static int split(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash || !slash[1])
		return -EINVAL;
	*base = slash + 1;
	*dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	return *dir ? 0 : -ENOMEM;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* An existing file keeps its mode; a symlink or a non-regular file is refused. */
static int keep_mode(int dfd, const char *base, mode_t *mode)
{
	struct stat st;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*mode = st.st_mode & 07777;
	return 0;
}

/*
 * A temporary file in dfd beside base, holding buf (mode kept from an existing base):
 * fdatasync'd when sync. tmp receives its name. 0, or -errno (nothing left behind).
 */
static int stage(int dfd, const char *base, const void *buf, size_t len, mode_t mode, bool sync,
		 char *tmp, size_t tmplen)
{
	int fd = -1, err = keep_mode(dfd, base, &mode);

	if (err)
		return err;
	/* A dot name the server's include globs (*.conf) will not pick up half-written. */
	for (int tries = 0;; tries++) {
		snprintf(tmp, tmplen, ".%.200s" TEMP_TAG "%08lx", base, random());
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST || tries > 16)
			break;
	}
	if (fd < 0)
		return -errno;
	/* fdatasync: the data and the size must be on disk before the name points at them. */
	if (fchmod(fd, mode) < 0 || (err = write_all(fd, buf, len)) < 0 ||
	    (sync && fdatasync(fd) < 0))
		err = err ? err : -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	return err;
}

int file_replace(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *dir = NULL, tmp[NAME_MAX + 1];
	const char *base;
	int dfd, err;

	err = split(path, &dir, &base);
	if (err)
		return err;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return -errno;
	err = stage(dfd, base, buf, len, mode, true, tmp, sizeof(tmp));
	if (!err && renameat(dfd, tmp, dfd, base) < 0) {
		err = -errno;
		unlinkat(dfd, tmp, 0);
	}
	/* The rename is durable only once the directory is. */
	if (!err && fsync(dfd) < 0)
		err = -errno;
	close(dfd);
	return err;
}

/* One directory open at a time, for files that mostly share one (a job's targets). */
struct dircache {
	char *dir;
	int fd;
};

static int dir_of(struct dircache *c, const char *path, const char **base)
{
	char *dir;

	if (split(path, &dir, base) < 0)
		return -1;
	if (c->dir && !strcmp(c->dir, dir)) {
		free(dir);
		return c->fd;
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->dir);
	c->dir = dir;
	c->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return c->fd;
}

static void dir_close(struct dircache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->dir);
	*c = (struct dircache){ .fd = -1 };
}

static bool has(const unsigned long long *v, size_t n, unsigned long long x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Is v[0..n) holding x? Adds it if not (v has room for n + 1). */
static bool seen(unsigned long long *v, size_t *n, unsigned long long x)
{
	if (has(v, *n, x))
		return true;
	v[(*n)++] = x;
	return false;
}

/* A file_replace_many in progress: its files, their fates, one directory open at a time. */
struct many {
	const struct file_write *w;
	size_t n;
	int *err;
	char (*tmp)[NAME_MAX + 1];
	bool *done;                    /* replaced one by one (its filesystem's syncfs failed) */
	unsigned long long *ids;       /* filesystems or directories seen, n + 1 */
	unsigned long long *bad;       /* filesystems whose syncfs failed, n + 1 */
	size_t nids, nbad;
	struct dircache c;
};

/* The open directory of file i, or -1 (err[i] set); skipped: already failed or done. */
static int dir_for(struct many *m, size_t i, const char **base)
{
	int dfd;

	if (m->err[i] || m->done[i])
		return -1;
	if ((dfd = dir_of(&m->c, m->w[i].path, base)) < 0)
		m->err[i] = -errno;
	return dfd;
}

/* Written, not yet durable. */
static void stage_all(struct many *m)
{
	const char *base;
	int dfd;

	for (size_t i = 0; i < m->n; i++)
		if ((dfd = dir_for(m, i, &base)) >= 0)
			m->err[i] = stage(dfd, base, m->w[i].buf, m->w[i].len, m->w[i].mode, false,
					  m->tmp[i], sizeof(m->tmp[i]));
}

/* Durable together: one syncfs per filesystem, before any name points at the data. A
 * filesystem where syncfs fails has its files replaced one by one instead. */
static void sync_all(struct many *m)
{
	const struct file_write *w = m->w;
	const char *base;
	struct stat st;
	int dfd;

	m->nids = 0;
	for (size_t i = 0; i < m->n; i++) {
		if ((dfd = dir_for(m, i, &base)) < 0 || fstat(dfd, &st) < 0)
			continue;
		if (!seen(m->ids, &m->nids, st.st_dev) && syncfs(dfd) < 0)
			m->bad[m->nbad++] = st.st_dev;
		if (has(m->bad, m->nbad, st.st_dev)) {
			unlinkat(dfd, m->tmp[i], 0);
			m->err[i] = file_replace(w[i].path, w[i].buf, w[i].len, w[i].mode);
			m->done[i] = true;
		}
	}
}

static void rename_all(struct many *m)
{
	const char *base;
	int dfd;

	for (size_t i = 0; i < m->n; i++) {
		if ((dfd = dir_for(m, i, &base)) < 0)
			continue;
		if (renameat(dfd, m->tmp[i], dfd, base) < 0) {
			m->err[i] = -errno;
			unlinkat(dfd, m->tmp[i], 0);
		}
	}
}

/* The renames are durable once their directories are: each once. */
static void fsync_dirs(struct many *m)
{
	const char *base;
	struct stat st;
	int dfd;

	m->nids = 0;
	for (size_t i = 0; i < m->n; i++) {
		if ((dfd = dir_for(m, i, &base)) < 0 || fstat(dfd, &st) < 0)
			continue;
		if (!seen(m->ids, &m->nids, st.st_ino ^ ((unsigned long long)st.st_dev << 32)) &&
		    fsync(dfd) < 0)
			m->err[i] = -errno;
	}
}

size_t file_replace_many(const struct file_write *w, size_t n, int *err)
{
	struct many m = { .w = w, .n = n, .err = err, .c = { .fd = -1 } };
	size_t failed = 0;

	memset(err, 0, n * sizeof(*err));
	m.tmp = calloc(n + 1, sizeof(*m.tmp));
	m.done = calloc(n + 1, sizeof(*m.done));
	m.ids = calloc(2 * n + 2, sizeof(*m.ids));
	m.bad = m.ids ? m.ids + n + 1 : NULL;
	if (m.tmp && m.done && m.ids) {
		stage_all(&m);
		sync_all(&m);
		rename_all(&m);
		fsync_dirs(&m);
		dir_close(&m.c);
	} else {
		for (size_t i = 0; i < n; i++)
			err[i] = file_replace(w[i].path, w[i].buf, w[i].len, w[i].mode);
	}
	for (size_t i = 0; i < n; i++)
		failed += err[i] < 0;
	free(m.tmp);
	free(m.done);
	free(m.ids);
	return failed;
}

int file_clean_temps(const char *path)
{
	char *dir = NULL, prefix[NAME_MAX + 16];
	const char *base;
	DIR *dh;
	struct dirent *e;
	int n = 0;

	if (split(path, &dir, &base) < 0)
		return 0;
	snprintf(prefix, sizeof(prefix), ".%.200s" TEMP_TAG, base);
	dh = opendir(dir);
	if (dh) {
		while ((e = readdir(dh)))
			if (!strncmp(e->d_name, prefix, strlen(prefix)) &&
			    unlinkat(dirfd(dh), e->d_name, 0) == 0)
				n++;
		closedir(dh);
	}
	free(dir);
	return n;
}

int file_remove(const char *path)
{
	char *dir = NULL;
	const char *base;
	int dfd, err = split(path, &dir, &base);

	if (err)
		return err;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return -errno;
	if (unlinkat(dfd, base, 0) < 0 || fsync(dfd) < 0)
		err = -errno;
	close(dfd);
	return err;
}
