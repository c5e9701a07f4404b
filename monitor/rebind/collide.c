// SPDX-License-Identifier: MIT
/* Apache's Listen beside a wildcard listener on the same port: refused before the graceful. */
#include "monitor/rebind/collide.h"

#include <stdio.h>
#include <stdlib.h>

const struct listener *collide_with(const struct listener *v, size_t n, const struct ipaddr *a,
				    unsigned port)
{
	const struct listener *any = NULL;

	for (size_t i = 0; i < n; i++) {
		if (v[i].port != port)
			continue;
		/* Already listening there: the server binds it already (nothing new to bind). */
		if (!v[i].any && ipaddr_eq(&v[i].addr, a))
			return NULL;
		/* An IPv6 wildcard takes IPv4 too (Debian's Apache binds [::]:443 dual-stack). */
		if (v[i].any && (v[i].addr.family == a->family || v[i].addr.family == AF_INET6))
			any = &v[i];
	}
	return any;
}

size_t collide_refuse(struct listeners *l, enum server_type type, struct pipe_item *items,
		      size_t n)
{
	struct listener *v = NULL;
	size_t nv = 0, failed = 0;
	char ep[ENDPOINT_STRLEN], comm[64];

	if (type != SRV_APACHE || !l || listeners_dump(l, &v, &nv) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct pipe_item *it = &items[i];
		const struct listener *w;
		if (it->wildcard || it->disabling || it->outcome != PO_PENDING ||
		    !(w = collide_with(v, nv, &it->to, it->site->port)))
			continue;
		uint32_t inode = w->inode;
		int pid = 0;
		if (listeners_owners(&inode, 1, &pid))
			listeners_comm(pid, comm, sizeof(comm));
		endpoint_str(&it->to, it->site->port, ep, sizeof(ep));
		snprintf(it->reason, sizeof(it->reason), "Apache cannot bind Listen %s: %s listens "
			 "on all addresses of port %u (Debian's ports.conf: Listen %u), and a graceful "
			 "restart that tries makes Apache's parent exit", ep,
			 pid > 0 ? comm : "a process", it->site->port, it->site->port);
		it->hint = "in /etc/apache2/ports.conf, change the line `Listen 443` to "
			   "`# Listen 443` (certbind renders a Listen per site), then systemctl "
			   "restart apache2 (a graceful restart keeps the old socket)";
		it->outcome = PO_FAILED;
		it->rolled_back = true;
		failed++;
	}
	free(v);
	return failed;
}
