// SPDX-License-Identifier: MIT
/* nonlocal_bind: let servers bind the absent addresses of unbound sites, or warn that they can't. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/core/log.h"
#include "monitor/daemon/daemon.h"

static const char *const nonlocal_paths[] = {
	"/proc/sys/net/ipv4/ip_nonlocal_bind", "/proc/sys/net/ipv6/ip_nonlocal_bind",
};

static int sysctl_get(const char *path)
{
	char buf[8] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int sysctl_set(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) < 0)
		rc = -1;
	close(fd);
	return rc;
}

static const char *const nonlocal_names[] = {
	"net.ipv4.ip_nonlocal_bind", "net.ipv6.ip_nonlocal_bind",
};

static void enable(struct daemon *d)
{
	struct ev e;

	for (size_t i = 0; i < 2; i++) {
		if (sysctl_get(nonlocal_paths[i]) == 1)
			continue;
		if (d->dry_run) {
			log_info("dry-run: would set %s to 1", nonlocal_names[i]);
			continue;
		}
		bool ok = sysctl_set(nonlocal_paths[i], "1") == 0;
		ev_begin(&e, ok ? "nonlocal-bind-set" : "nonlocal-bind-failed");
		ev_add(&e, "sysctl", nonlocal_names[i]);
		if (ok) {
			ev_add(&e, "value", "1");
			ev_add(&e, "reason", "nonlocal_bind = enable: servers can bind the addresses of "
			       "unbound sites");
		} else {
			ev_add(&e, "reason", strerror(errno));
		}
		ev_emit(&e, ok ? LOG_NOTICE : LOG_WARNING);
	}
}

/* Two sites of one server, if there are: a and b. */
static bool shared_pair(const struct sites *set, const struct site **a, const struct site **b)
{
	for (size_t i = 0; i < set->n; i++)
		for (size_t k = i + 1; set->v[i].cfg->server && k < set->n; k++)
			if (site_same_server(set->v[i].cfg, set->v[k].cfg)) {
				*a = set->v[i].cfg;
				*b = set->v[k].cfg;
				return true;
			}
	return false;
}

void nonlocal_apply(struct daemon *d)
{
	const struct site *a = NULL, *b = NULL;
	bool off = false;
	struct ev e;

	if (d->pol->nonlocal_bind == NLB_OFF)
		return;
	if (d->pol->nonlocal_bind == NLB_ENABLE) {
		enable(d);
		return;
	}
	for (size_t i = 0; i < 2; i++)
		off |= sysctl_get(nonlocal_paths[i]) == 0;
	if (!off || !shared_pair(&d->sites, &a, &b))
		return;
	ev_begin(&e, "nonlocal-bind-off");
	ev_add(&e, "site", a->name);
	ev_add(&e, "shares_server_with", b->name);
	ev_add(&e, "reason", "a server shared by several sites cannot bind the address of an "
	       "unbound one, and then refuses every reload; set nonlocal_bind = \"enable\" "
	       "(net.ipv4/ipv6.ip_nonlocal_bind = 1)");
	ev_emit(&e, LOG_WARNING);
}
