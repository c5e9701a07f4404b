// SPDX-License-Identifier: MIT
/* Server liveness through pidfds: readable once the process exits, zombie or not. */
#include "monitor/rebind/liveness.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int live_open(const char *pid_file, pid_t *pid)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd;

	*pid = 0;
	if (!pid_file)
		return -1;
	fd = open(pid_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (v <= 1 || v > 0x3fffffff || (*end && *end != '\n'))
		return -1;
	*pid = (pid_t)v;
	fd = (int)syscall(SYS_pidfd_open, *pid, 0);
	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

bool live_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}
