// SPDX-License-Identifier: MIT
/* File reading and atomic replacement; see fileio.h for the guarantees. */
#include "monitor/core/fileio.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
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

int file_replace(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *dir = NULL, tmp[NAME_MAX + 1];
	const char *base;
	int dfd = -1, fd = -1, err;
	struct stat st;

	err = split(path, &dir, &base);
	if (err)
		return err;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		goto out;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			err = -ELOOP;
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			err = -EINVAL;
			goto out;
		}
		mode = st.st_mode & 07777;
	}
	/* A dot name the server's include globs (*.conf) will not pick up half-written. */
	for (int tries = 0;; tries++) {
		snprintf(tmp, sizeof(tmp), ".%.200s" TEMP_TAG "%08lx", base, random());
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST || tries > 16)
			break;
	}
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* fdatasync: the data and the size must be on disk before the name points at them. */
	if (fchmod(fd, mode) < 0 || (err = write_all(fd, buf, len)) < 0 || fdatasync(fd) < 0) {
		err = err ? err : -errno;
		goto unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = -errno;
		goto unlink;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) < 0) {
		err = -errno;
		goto unlink;
	}
	/* The rename is durable only once the directory is. */
	if (fsync(dfd) < 0)
		err = -errno;
	goto out;
unlink:
	unlinkat(dfd, tmp, 0);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return err;
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
