// SPDX-License-Identifier: MIT
/* Asynchronous supervised children (keepalived/relayd style: no shell, own group, deadline). */
#include "monitor/core/child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

/* The last bytes read, kept apart from the head: a long output's last line is its verdict. */
static void keep_tail(struct child *c, const char *buf, size_t n)
{
	size_t cap = sizeof(c->tail) - 1;

	if (n >= cap) {
		memcpy(c->tail, buf + n - cap, cap);
		c->taillen = cap;
	} else {
		size_t drop = c->taillen + n > cap ? c->taillen + n - cap : 0;
		memmove(c->tail, c->tail + drop, c->taillen - drop);
		memcpy(c->tail + c->taillen - drop, buf, n);
		c->taillen += n - drop;
	}
	c->tail[c->taillen] = '\0';
}

/* Reads pending output, keeping the first bytes. Returns 1 at EOF (the pipe is closed). */
static int read_output(struct child *c)
{
	char buf[4096];

	while (c->outfd >= 0) {
		ssize_t n = read(c->outfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;
		if (n == 0) {
			loop_unwatch(c->L, &c->w_out);
			close(c->outfd);
			c->outfd = -1;
			return 1;
		}
		keep_tail(c, buf, (size_t)n);
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

/* Stops watching and closes everything; the child must already be reaped or killed. */
static void release(struct child *c)
{
	if (!c->running)
		return;
	loop_unwatch(c->L, &c->w_pid);
	if (c->outfd >= 0) {
		loop_unwatch(c->L, &c->w_out);
		close(c->outfd);
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	loop_cancel(c->L, &c->deadline);
	c->pidfd = c->outfd = -1;
	c->running = false;
}

static void kill_group(struct child *c)
{
	if (c->pid > 0) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
	}
}

static void on_output(void *arg, uint32_t events)
{
	/* Bounded capture: whatever it prints beyond the first bytes is read and dropped. */
	read_output(arg);
}

static void on_exit_ready(void *arg, uint32_t events)
{
	struct child *c = arg;
	struct child_result r;
	int status;

	if (waitpid(c->pid, &status, WNOHANG) != c->pid)
		return;     /* SIGCHLD for another child, or not yet */
	c->pid = 0;
	/* What it wrote before exiting; a daemonising grandchild may keep the pipe open. */
	read_output(c);
	/* Also kills what it left behind in its group (a daemonised reload must not linger). */
	release(c);
	r = (struct child_result){ .status = status, .timed_out = c->timed_out,
				   .output = c->out, .truncated = c->truncated,
				   .tail = c->tail };
	c->done(c->arg, &r);
}

static void on_deadline(void *arg)
{
	struct child *c = arg;

	/* The exit (by SIGKILL) arrives through the pidfd like any other: no blocking wait. */
	c->timed_out = true;
	kill_group(c);
}

int child_start(struct loop *L, struct child *c, char *const argv[], char *const envp[],
		unsigned timeout_ms, child_done_fn done, void *arg)
{
	int pipefd[2], err;

	memset(c, 0, sizeof(*c));
	c->L = L;
	c->pidfd = c->outfd = -1;
	c->done = done;
	c->arg = arg;
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
		kill_group(c);
		waitpid(c->pid, NULL, 0);
		close(c->outfd);
		return err;
	}
	/* Without pidfds (kernel < 5.3, valgrind) the exit is noticed through SIGCHLD. */
	c->running = true;
	c->w_pid = (struct watcher){ .fd = c->pidfd, .cb = on_exit_ready, .arg = c };
	c->w_out = (struct watcher){ .fd = c->outfd, .cb = on_output, .arg = c };
	c->deadline = (struct timer){ .fn = on_deadline, .arg = c };
	loop_watch(L, &c->w_pid, EPOLLIN);
	loop_watch(L, &c->w_out, EPOLLIN);
	loop_arm(L, &c->deadline, now_ms() + timeout_ms);
	return 0;
}

void child_stop(struct child *c)
{
	if (!c->running)
		return;
	kill_group(c);
	/* SIGKILL of our own child: the wait is immediate. */
	if (c->pid > 0)
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	c->pid = 0;
	release(c);
}

bool child_ok(const struct child_result *r)
{
	return !r->timed_out && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
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

static const char *copy_line(const char *p, char *buf, size_t len)
{
	size_t n = strcspn(p, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

const char *child_first_line(const char *output, char *buf, size_t len)
{
	/* Skip leading blank lines; keep the first real one (nginx puts its error there). */
	while (*output == '\n')
		output++;
	return copy_line(output, buf, len);
}

const char *child_last_line(const char *output, char *buf, size_t len)
{
	const char *end = output + strlen(output), *p;

	while (end > output && end[-1] == '\n')
		end--;
	for (p = end; p > output && p[-1] != '\n'; p--)
		;
	copy_line(p, buf, len);
	buf[end - p < (ptrdiff_t)len ? end - p : (ptrdiff_t)len - 1] = '\0';
	return buf;
}

const char *child_result_last_line(const struct child_result *r, char *buf, size_t len)
{
	return child_last_line(r->truncated && r->tail ? r->tail : r->output, buf, len);
}
