// SPDX-License-Identifier: MIT
/* The control socket: credentials check, non-blocking line reads, JSON answers (json-c). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/control/control.h"
#include "monitor/control/ctlproto.h"
#include "monitor/control/sitejson.h"
#include "monitor/core/log.h"
#include "monitor/sites/act.h"
#include "monitor/sites/operator.h"
#include "monitor/sites/defaults.h"

#define CTL_IDLE_MS 5000
/* Connections served at once: idle clients must never eat the descriptors a rebind needs. */
#define CTL_CONNS_MAX 64

struct ctlconn {
	struct daemon *d;
	struct watcher w;
	struct timer idle;           /* a client that sends nothing is dropped */
	char in[CTL_REQUEST_MAX + 1];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	bool waiting;                /* a rebind answer is pending */
	bool draining;               /* answered; reading until the client hangs up */
	struct ctlconn *next;
};

static struct ctlconn *conns;
static size_t nconns;
static gid_t sock_gid;
static int reserve_fd = -1;       /* given up to accept-and-close when out of descriptors */
static struct watcher ctl_w = { .fd = -1 };

static void conn_free(struct ctlconn *c)
{
	struct ctlconn **pp;

	for (pp = &conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	nconns--;
	loop_unwatch(&c->d->L, &c->w);
	loop_cancel(&c->d->L, &c->idle);
	close(c->w.fd);
	free(c->out);
	free(c);
}

static void conn_flush(struct ctlconn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = write(c->w.fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	/* Answered. Half-close and drain: closing with unread input would reset the
	 * connection, and the client could lose the answer (e.g. "request too long"). */
	shutdown(c->w.fd, SHUT_WR);
	c->draining = true;
	loop_unwatch(&c->d->L, &c->w);
	loop_watch(&c->d->L, &c->w, EPOLLIN);
}


static void reply(struct ctlconn *c, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	c->waiting = false;
	if (asprintf(&c->out, "%s\n", s) < 0) {
		json_object_put(o);
		conn_free(c);
		return;
	}
	c->outlen = strlen(c->out);
	json_object_put(o);
	loop_unwatch(&c->d->L, &c->w);
	loop_watch(&c->d->L, &c->w, EPOLLOUT);
	loop_arm(&c->d->L, &c->idle, now_ms() + CTL_IDLE_MS);
	conn_flush(c);
}

static void reply_error(struct ctlconn *c, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	reply(c, o);
}


static void do_status(struct ctlconn *c)
{
	struct daemon *d = c->d;
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < d->sites.n; i++)
		json_object_array_add(a, sitejson_site(d, &d->sites.v[i], false));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "sites", a);
	json_object_object_add(o, "addresses", json_object_new_int64((int64_t)addrtab_count(d->tab)));
	json_object_object_add(o, "address_events", json_object_new_int64((int64_t)d->addr_events));
	json_object_object_add(o, "netlink_events", json_object_new_int64((int64_t)nlwatch_events(d->nl)));
	json_object_object_add(o, "resyncs", json_object_new_int64((int64_t)nlwatch_resyncs(d->nl)));
	reply(c, o);
}

static void do_addresses(struct ctlconn *c)
{
	struct daemon *d = c->d;
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < addrtab_count(d->tab); i++) {
		const struct addrent *e = addrtab_at(d->tab, i);
		json_object *x = json_object_new_object();
		char ip[IPADDR_STRLEN];
		sitejson_str(x, "address", ipaddr_str(&e->ip, ip, sizeof(ip)));
		json_object_object_add(x, "prefixlen", json_object_new_int(e->prefixlen));
		sitejson_str(x, "interface", addrtab_link_name(d->tab, e->ifindex));
		json_object_object_add(x, "usable", json_object_new_boolean(addrent_usable(e)));
		json_object_object_add(x, "deprecated",
				       json_object_new_boolean(e->flags & IFA_F_DEPRECATED));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "addresses", a);
	reply(c, o);
}

static void rebind_done(void *arg, bool ok, const char *reason)
{
	struct ctlconn *c = arg;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	if (!ok)
		sitejson_str(o, "error", reason ? reason : "rebind failed");
	reply(c, o);
}

static void do_reload(struct ctlconn *c)
{
	struct errlist errs = { 0 };
	json_object *o = json_object_new_object();

	if (daemon_reload(c->d, &errs) < 0) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < errs.n; i++)
			json_object_array_add(a, json_object_new_string(errs.msg[i]));
		json_object_object_add(o, "ok", json_object_new_boolean(0));
		sitejson_str(o, "error", "configuration invalid; the running policy stays in force");
		json_object_object_add(o, "errors", a);
	} else {
		json_object_object_add(o, "ok", json_object_new_boolean(1));
	}
	errlist_free(&errs);
	reply(c, o);
}

static void dispatch(struct ctlconn *c)
{
	struct ctl_request r;
	struct siteinfo *si;
	char err[256];
	struct ipaddr a;

	if (ctl_parse(c->in, &r, err, sizeof(err)) < 0) {
		reply_error(c, err);
		return;
	}
	switch (r.cmd) {
	case CTL_STATUS:
		do_status(c);
		return;
	case CTL_ADDRESSES:
		do_addresses(c);
		return;
	case CTL_RELOAD:
		do_reload(c);
		return;
	case CTL_SHOW:
	case CTL_REBIND:
	case CTL_ISSUE:
		si = sites_find(&c->d->sites, r.argv[0]);
		if (!si) {
			snprintf(err, sizeof(err), "no site named \"%.64s\"", r.argv[0]);
			reply_error(c, err);
			return;
		}
		if (r.cmd == CTL_SHOW) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "ok", json_object_new_boolean(1));
			json_object_object_add(o, "site", sitejson_site(c->d, si, true));
			reply(c, o);
			return;
		}
		if (r.argc == 2 && ipaddr_parse(r.argv[1], &a) < 0) {
			reply_error(c, "not an IPv4 or IPv6 address");
			return;
		}
		c->waiting = true;
		loop_cancel(&c->d->L, &c->idle);
		loop_unwatch(&c->d->L, &c->w);
		/* On success c may already be answered and gone: touch it only on refusal. */
		if ((r.cmd == CTL_ISSUE ? operator_issue(&c->d->sites, si, rebind_done, c, err,
							 sizeof(err))
		     : operator_rebind(&c->d->sites, si, r.argc == 2 ? &a : NULL, rebind_done, c,
				       err, sizeof(err))) < 0)
			reply_error(c, err);
		return;
	}
}

static void conn_on_event(void *arg, uint32_t events)
{
	struct ctlconn *c = arg;
	struct watcher *w = &c->w;
	char *nl;
	ssize_t n;

	if (c->draining) {
		char sink[4096];
		ssize_t got = read(w->fd, sink, sizeof(sink));
		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
			conn_free(c);
		return;
	}
	if (c->out) {
		conn_flush(c);
		return;
	}
	n = read(w->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(c);
		return;
	}
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	nl = memchr(c->in, '\n', c->inlen);
	if (memchr(c->in, '\0', c->inlen)) {
		reply_error(c, "request contains a NUL byte");
		return;
	}
	if (!nl) {
		if (c->inlen == sizeof(c->in) - 1)
			reply_error(c, "request too long");
		return;
	}
	*nl = '\0';
	dispatch(c);
}

static void on_idle(void *arg)
{
	struct ctlconn *c = arg;

	if (!c->out) {
		reply_error(c, "timed out waiting for a request line");
		return;
	}
	conn_free(c);
}

/* root, the daemon's own user, or a member (primary or supplementary) of the socket's group. */
static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[256];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	if (cr.uid == 0 || cr.uid == geteuid() || cr.gid == sock_gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == sock_gid)
			return true;
	return false;
}

/* Answers a client we will not serve, and hangs up. */
static void refuse(int fd, const char *msg)
{
	if (write(fd, msg, strlen(msg)) < 0) {
		/* nothing more to tell it */
	}
	close(fd);
}

/* Out of descriptors: the spare one lets us take the client off the queue and close it. */
static void shed(int lfd)
{
	if (reserve_fd < 0)
		return;
	close(reserve_fd);
	reserve_fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (reserve_fd >= 0)
		refuse(reserve_fd, "{\"ok\":false,\"error\":\"out of file descriptors\"}\n");
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void on_accept(void *arg, uint32_t events)
{
	struct daemon *d = arg;
	struct watcher *w = &ctl_w;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctlconn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				shed(w->fd);
			return;
		}
		if (!peer_allowed(fd)) {
			log_info("event=control-refused reason=\"a client without the socket's "
				 "group\"");
			refuse(fd, "{\"ok\":false,\"error\":\"permission denied\"}\n");
			continue;
		}
		if (nconns >= CTL_CONNS_MAX) {
			log_debug("control: %zu connections open; refused one more", nconns);
			refuse(fd, "{\"ok\":false,\"error\":\"too many connections; try again\"}\n");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->d = d;
		c->w = (struct watcher){ .fd = fd, .cb = conn_on_event, .arg = c };
		c->idle = (struct timer){ .fn = on_idle, .arg = c };
		c->next = conns;
		conns = c;
		nconns++;
		loop_watch(&d->L, &c->w, EPOLLIN);
		loop_arm(&d->L, &c->idle, now_ms() + CTL_IDLE_MS);
	}
}

static int make_parent(const char *path)
{
	char *dir = strdup(path), *slash;
	int rc = 0;

	if (!dir)
		return -1;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			rc = -1;
	}
	free(dir);
	return rc;
}

bool control_answers(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;
	bool up;

	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	up = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (fd >= 0)
		close(fd);
	return up;
}

int control_open(struct daemon *d)
{
	const char *path = d->pol->control_socket;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_msg(LOG_ERR, "control socket path too long: %s", path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* A live daemon answers; a stale socket from a crash does not. */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			close(fd);
			log_msg(LOG_ERR, "another certbindd is running (it answers on %s)", path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	make_parent(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, 16) < 0) {
		log_warn("control socket %s", path);
		close(fd);
		return -1;
	}
	sock_gid = stat(path, &st) == 0 ? st.st_gid : 0;
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ctl_w = (struct watcher){ .fd = fd, .cb = on_accept, .arg = d };
	loop_watch(&d->L, &ctl_w, EPOLLIN);
	return 0;
}

void control_close(struct daemon *d)
{
	while (conns)
		conn_free(conns);
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = -1;
	if (ctl_w.fd > 0) {
		loop_unwatch(&d->L, &ctl_w);
		close(ctl_w.fd);
		if (d->pol)
			unlink(d->pol->control_socket);
		ctl_w.fd = -1;
	}
}
