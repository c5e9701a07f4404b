/* SPDX-License-Identifier: MIT */
/* Server drivers: how each kind of server is checked, reloaded and asked whether a reload took. */
#ifndef CERTBIND_DRIVER_H
#define CERTBIND_DRIVER_H

#include <stddef.h>

#include "policy/policy.h"

/* The server a batch of sites is rendered for. */
struct server {
	enum server_type type;
	char *const *reload;         /* argv, or NULL: nothing to reload (files only) */
	char *const *check;          /* argv that checks the rendered configuration, or NULL */
	unsigned reload_timeout_ms;  /* for the check and the reload each */
	/*
	 * Known to run what is on disk (certbind reloaded it since it started)? When not, and a
	 * site whose files did not change fails its proof, the job reloads and proves again:
	 * after a crash the files may be new while the server still runs the old ones.
	 */
	bool synced;
};

struct driver {
	const char *name;
	/* The command that checks the server's configuration once rendered (NULL: none). */
	char *const *(*check_argv)(const struct server *s);
	/* The command that makes the server take the rendered files (NULL: none). */
	char *const *(*reload_argv)(const struct server *s);
	/*
	 * After a reload that exited 0: did the server take it, as far as the server itself can
	 * tell? 0 yes (or it cannot tell: the listener check and the handshake decide), -1 no,
	 * with the reason in why.
	 */
	int (*confirm)(const struct server *s, char *why, size_t len);
};

/* The driver of a server type (never NULL for a type the policy accepts). */
const struct driver *driver_get(enum server_type t);

#endif
