// SPDX-License-Identifier: MIT
/* HAProxy's master CLI without blocking: a non-blocking unix socket, a deadline, a bounded answer. */
#include "monitor/rebind/mastercli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void end(struct mcli *c, int err)
{
	mcli_done_fn done = c->done;
	void *arg = c->arg;
	char *out = c->out;
	size_t len = c->len;

	c->out = NULL;
	mcli_stop(c);
	if (out)
		out[len] = '\0';
	done(arg, err, err || !out ? "" : out);

	free(out);
}

static void on_deadline(void *arg)
{
	end(arg, -ETIMEDOUT);
}

static void on_io(void *arg, uint32_t events)
{
	struct mcli *c = arg;
	ssize_t n;

	if (c->sent < strlen(c->cmd)) {
		/* The master closes its side after answering; a command ends with a newline and our
		 * end of writing, as `socat` does. */
		n = send(c->w.fd, c->cmd + c->sent, strlen(c->cmd) - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			end(c, -errno);
			return;
		}
		c->sent += n > 0 ? (size_t)n : 0;
		if (c->sent == strlen(c->cmd)) {
			shutdown(c->w.fd, SHUT_WR);
			loop_rewatch(c->L, &c->w, EPOLLIN);
		}
		return;
	}
	n = read(c->w.fd, c->out + c->len, MCLI_OUT_MAX - c->len);
	if (n > 0) {
		c->len += (size_t)n;
		if (c->len == MCLI_OUT_MAX)
			end(c, 0);   /* bounded: what came is enough to judge */
	} else if (n == 0) {
		end(c, 0);
	} else if (errno != EAGAIN && errno != EINTR) {
		end(c, -errno);
	}
}

static void on_start_failed(void *arg)
{
	struct mcli *c = arg;

	/* connect() failed at once: told from the loop like every other outcome. */
	end(c, -(int)c->sent);
}

int mcli_start(struct loop *L, struct mcli *c, const char *path, const char *cmd,
	       unsigned timeout_ms, mcli_done_fn done, void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	*c = (struct mcli){ .L = L, .cmd = cmd, .done = done, .arg = arg };
	c->w = (struct watcher){ .fd = -1, .cb = on_io, .arg = c };
	c->out = malloc(MCLI_OUT_MAX + 1);
	if (!c->out)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(c->out);
		c->out = NULL;
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		/* ECONNREFUSED, ENOENT (HAProxy re-executing) or EAGAIN: the caller may retry. */
		c->sent = (size_t)errno;
		close(fd);
		c->deadline = (struct timer){ .fn = on_start_failed, .arg = c };
		loop_arm(L, &c->deadline, now_ms());
		return 0;
	}
	c->w.fd = fd;
	loop_watch(L, &c->w, EPOLLOUT);
	c->deadline = (struct timer){ .fn = on_deadline, .arg = c };
	loop_arm(L, &c->deadline, now_ms() + timeout_ms);
	return 0;
}

void mcli_stop(struct mcli *c)
{
	if (!c->L)
		return;
	loop_cancel(c->L, &c->deadline);
	if (c->w.fd >= 0) {
		loop_unwatch(c->L, &c->w);
		close(c->w.fd);
		c->w.fd = -1;
	}
	free(c->out);
	c->out = NULL;
	c->len = 0;
	c->L = NULL;
}
