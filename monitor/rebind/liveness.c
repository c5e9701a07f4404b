// SPDX-License-Identifier: MIT
/* Server liveness through pidfds: readable once the process exits, zombie or not. */
#include "monitor/rebind/liveness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/core/log.h"
#include "policy/servertype.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

bool live_is_server(enum server_type t, const char *exe)
{
	const struct server_type_info *info = server_type_get(t);
	const char *base = strrchr(exe, '/');
	size_t n;

	if (!info->exe[0])
		return true;     /* a command server: any process */
	base = base ? base + 1 : exe;
	/* An upgraded binary reads "/usr/sbin/nginx (deleted)". */
	n = strcspn(base, " ");
	for (size_t i = 0; i < sizeof(info->exe) / sizeof(info->exe[0]) && info->exe[i]; i++)
		if (n == strlen(info->exe[i]) && !strncmp(base, info->exe[i], n))
			return true;
	return false;
}

/* Said once per server and pid: the file stays stale until the server writes it again. */
static void tell_stale(const struct server_cfg *s, pid_t pid, const char *exe)
{
	static struct { char name[64]; pid_t pid; } told[8];
	static unsigned next;
	char comm[64] = "?", path[64];
	struct ev e;
	FILE *f;

	for (size_t i = 0; i < sizeof(told) / sizeof(told[0]); i++)
		if (told[i].pid == pid && !strncmp(told[i].name, s->name, sizeof(told[i].name)))
			return;
	snprintf(told[next].name, sizeof(told[next].name), "%s", s->name);
	told[next].pid = pid;
	next = (next + 1) % (sizeof(told) / sizeof(told[0]));
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re"))) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	ev_begin(&e, "server-pidfile-stale");
	ev_add(&e, "server", s->name);
	ev_addf(&e, "pid", "%d", (int)pid);
	ev_add(&e, "process", comm);
	ev_add(&e, "exe", exe);
	ev_add(&e, "pid_file", s->pid_file);
	ev_add(&e, "reason", "the pid file names a process that is not the server: it is never "
	       "waited on or signalled; reloads are judged by listeners and handshakes alone");
	ev_add(&e, "hint", "set the server's pid_file to the file its configuration writes "
	       "(nginx: pid; Apache: PidFile), or remove the stale file");
	ev_emit(&e, LOG_WARNING);
}

/* Before trusting a pid: is that process the server? (Its executable as the kernel knows
 * it; its name where that is not ours to read.) Unknown counts as yes. */
static bool is_server(const struct server_cfg *s, pid_t v)
{
	char path[64], exe[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)v);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0 && errno != ENOENT) {
		/* Not ours to read under a hardened unit (no CAP_SYS_PTRACE): its name then. */
		FILE *f;
		snprintf(path, sizeof(path), "/proc/%ld/comm", (long)v);
		n = -1;
		if ((f = fopen(path, "re"))) {
			if (fgets(exe, sizeof(exe), f))
				n = (ssize_t)strcspn(exe, "\n");
			fclose(f);
		}
	} else if (n < 0 && kill(v, 0) == 0) {
		n = snprintf(exe, sizeof(exe), "?");    /* a kernel thread: no executable */
	}
	if (n <= 0)
		return true;
	exe[n] = '\0';
	if (live_is_server(s->type, exe))
		return true;
	tell_stale(s, v, exe);
	return false;
}

int live_open(const struct server_cfg *s, pid_t *pid)
{
	const char *pid_file = s->pid_file;
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
	if (!is_server(s, (pid_t)v))
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
