/* SPDX-License-Identifier: MIT */
/* The server types, one table entry each: name, what it renders, Debian's defaults, its process. */
#ifndef CERTBIND_SERVERTYPE_H
#define CERTBIND_SERVERTYPE_H

#include <stdbool.h>

#include "policy/policy.h"

/*
 * Everything the policy and the daemon know of a server type besides its driver
 * (monitor/rebind/: how it renders a target and reloads): adding a type is one entry here,
 * one value of enum server_type (and of enum target_type when it has its own renderer), and
 * one driver file.
 */
struct server_type_info {
	const char *name;                /* `type = "nginx"` in the policy */
	bool renders;                    /* has a target type of its own: `target` */
	enum target_type target;         /* what a target without `type` renders for it */
	/* What a stock Debian 12 install of it answers to (NULL: none). */
	const char *const *check, *const *reload, *const *start;
	const char *pid_file, *master_socket, *error_log;
	bool cli_reload;                 /* reloads through its master CLI, without a command */
	const char *exe[3];              /* the names its parent process may run as (liveness);
					  * none: any process is it */
	const char *include_hint;        /* how its configuration must include certbind's file */
};

/* The entry of type t (never NULL for a value of the enum). */
const struct server_type_info *server_type_get(enum server_type t);
/* The type whose own target type is tt; SRV_COMMAND for templates (they fit every server). */
enum server_type server_type_of_target(enum target_type tt);
/* Does a server of type t render targets of type tt (templates: every server)? */
bool server_type_fits(enum server_type t, enum target_type tt);

#endif
