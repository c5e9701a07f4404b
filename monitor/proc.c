// SPDX-License-Identifier: MIT
/* Asynchronous child processes (keepalived/relayd style: no shell, own group, deadline). */
#include "monitor/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL,
};

static void child_exec(char *const argv[], char *const envp[], int outw)
{
	sigset_t none;
	int devnull = open("/dev/null", O_RDONLY);

	/* The daemon blocks signals for its signalfd; the child must not inherit that. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	setpgid(0, 0);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outw, 1) < 0 || dup2(outw, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	execve(argv[0], argv, envp ? envp : default_env);
	dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int child_spawn(char *const argv[], char *const envp[], struct child *c)
{
	int pipefd[2], err;

	memset(c, 0, sizeof(*c));
	c->pidfd = c->outfd = -1;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (c->pid == 0)
		child_exec(argv, envp, pipefd[1]);
	close(pipefd[1]);
	/* Also set from the parent, so that a kill of the group cannot race the child's setpgid. */
	setpgid(c->pid, c->pid);
	c->outfd = pipefd[0];
	fcntl(c->outfd, F_SETFL, O_NONBLOCK);
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0 && errno != ENOSYS) {
		err = -errno;
		child_kill(c);
		waitpid(c->pid, NULL, 0);
		child_close(c);
		return err;
	}
	/* Without pidfds (kernel < 5.3, valgrind) the exit is noticed through SIGCHLD. */
	return 0;
}

int child_read_output(struct child *c)
{
	char buf[4096];

	while (c->outfd >= 0) {
		ssize_t n = read(c->outfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;
		if (n == 0) {
			close(c->outfd);
			c->outfd = -1;
			return 1;
		}
		size_t room = sizeof(c->out) - 1 - c->outlen;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(c->out + c->outlen, buf, take);
		c->outlen += take;
		c->out[c->outlen] = '\0';
		if (take < (size_t)n)
			c->truncated = true;
	}
	return 1;
}

int child_reap(struct child *c, int *status)
{
	pid_t r = waitpid(c->pid, status, WNOHANG);

	if (r == c->pid) {
		c->pid = 0;
		return 0;
	}
	return -1;
}

void child_kill(struct child *c)
{
	if (c->pid > 0) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
	}
}

void child_close(struct child *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->outfd >= 0)
		close(c->outfd);
	c->pidfd = c->outfd = -1;
}

const char *child_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "wait status %d", status);
	return buf;
}

const char *child_output_line(struct child *c)
{
	char *nl;

	/* Skip leading blank lines; keep the first real one (nginx puts its error there). */
	char *p = c->out;
	while (*p == '\n')
		p++;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	return p;
}
