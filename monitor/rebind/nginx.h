/* SPDX-License-Identifier: MIT */
/* nginx's driver: rendering a binding, reloading by SIGHUP to the verified master. */
#ifndef CERTBIND_NGINX_H
#define CERTBIND_NGINX_H

#include <stddef.h>

#include "monitor/rebind/driver.h"

struct render_vars;

/* The site's listen, ssl_certificate and ssl_certificate_key lines (*len), or NULL. */
char *nginx_render(const struct render_vars *v, size_t *len);

#endif
