// SPDX-License-Identifier: MIT
/* Reading the tail of a server's error log written since a mark (nginx and Apache log there). */
#include "monitor/rebind/errlog.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERRLOG_MAX (64 * 1024)

long long errlog_mark(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	return (long long)st.st_size;
}

char *errlog_since(const char *path, long long mark)
{
	struct stat st;
	char *buf = NULL;
	ssize_t got = 0;
	int fd;

	if (!path || (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	/* Rotated (or truncated) since the mark: what is there now is all new. */
	if (mark < 0 || st.st_size < mark)
		mark = 0;
	if (st.st_size == mark)
		goto out;
	if (st.st_size - mark > ERRLOG_MAX)
		mark = st.st_size - ERRLOG_MAX;
	buf = malloc((size_t)(st.st_size - mark) + 1);
	if (!buf)
		goto out;
	got = pread(fd, buf, (size_t)(st.st_size - mark), (off_t)mark);
	if (got <= 0) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[got] = '\0';
out:
	close(fd);
	return buf;
}
