/* SPDX-License-Identifier: MIT */
/* Apache httpd's driver: a graceful restart, confirmed when the parent forks a new generation. */
#ifndef CERTBIND_APACHE_H
#define CERTBIND_APACHE_H

#include <stddef.h>
#include <sys/types.h>

#include "monitor/rebind/driver.h"

/* The reload step: the reload argv (graceful), then wait — never blocking — until the parent
 * runs a child it did not have before (the new generation) or has exited (the pipeline's
 * liveness watch tells that). Without a readable pid file it judges by the exit status. */
int apache_reload(struct srvop *op);
/* The binding's Listen, VirtualHost header and TLS lines (*len), or NULL. */
struct render_vars;
char *apache_render(const struct render_vars *v, size_t *len);
/* The children of pid, as /proc lists them, into v (up to n); how many, or -1. */
int apache_children(pid_t pid, pid_t *v, size_t n);

#endif
