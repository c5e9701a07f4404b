/* SPDX-License-Identifier: MIT */
/* Listens that cannot bind, seen before anything is written (the server's check cannot see them). */
#ifndef CERTBIND_COLLIDE_H
#define CERTBIND_COLLIDE_H

#include <stddef.h>

#include "monitor/rebind/pipeline.h"
#include "netlink/listeners.h"

/*
 * Apache binds every Listen itself, so a `Listen ADDR:PORT` cannot bind beside a listener on
 * all addresses of that port (Debian's ports.conf has `Listen 443`), and a graceful restart
 * that tries kills Apache's parent. For a server of type apache, every pending item whose
 * new endpoint would collide so fails now, with a reason naming the listener and a hint
 * saying what to change. Returns how many failed (nothing is written for them).
 */
size_t collide_refuse(struct listeners *l, enum server_type type, struct pipe_item *items,
		      size_t n);
/* Would a:port collide with one of the listeners (pure: the test's entry)? */
const struct listener *collide_with(const struct listener *v, size_t n, const struct ipaddr *a,
				    unsigned port);

#endif
