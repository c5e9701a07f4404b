// SPDX-License-Identifier: MIT
/* The table of server types: nginx, Apache httpd, HAProxy and the generic command server. */
#include "policy/servertype.h"

#include <stddef.h>

static const char *const debian_nginx_check[] = { "/usr/sbin/nginx", "-t", "-q", NULL };
static const char *const debian_nginx_reload[] = { "/usr/sbin/nginx", "-s", "reload", NULL };
static const char *const debian_nginx_start[] = { "/bin/systemctl", "start", "nginx.service",
	NULL };
static const char *const debian_apache_check[] = { "/usr/sbin/apache2ctl", "-t", NULL };
static const char *const debian_apache_reload[] = { "/usr/sbin/apache2ctl", "graceful", NULL };
static const char *const debian_apache_start[] = { "/bin/systemctl", "start",
	"apache2.service", NULL };
/* Debian's haproxy.service runs `-f $CONFIG`: the rendered frontends' directory is added
 * there (CONFIG="/etc/haproxy/haproxy.cfg -f /etc/haproxy/certbind" in /etc/default/haproxy). */
static const char *const debian_haproxy_check[] = { "/usr/sbin/haproxy", "-c", "-f",
	"/etc/haproxy/haproxy.cfg", "-f", "/etc/haproxy/certbind", NULL };
static const char *const debian_haproxy_start[] = { "/bin/systemctl", "start", "haproxy.service",
	NULL };

static const struct server_type_info types[] = {
	[SRV_NGINX] = {
		.name = "nginx", .renders = true, .target = TGT_NGINX,
		.check = debian_nginx_check, .reload = debian_nginx_reload, .start = debian_nginx_start,
		.pid_file = "/run/nginx.pid", .error_log = "/var/log/nginx/error.log",
		.exe = { "nginx" },
		.include_hint = "nginx: include it inside the site's server block",
	},
	[SRV_APACHE] = {
		.name = "apache", .renders = true, .target = TGT_APACHE,
		.check = debian_apache_check, .reload = debian_apache_reload, .start = debian_apache_start,
		.pid_file = "/run/apache2/apache2.pid", .error_log = "/var/log/apache2/error.log",
		.exe = { "apache2", "httpd" },
		.include_hint = "Apache: Debian's apache2.conf includes sites-enabled/*.conf",
	},
	/* HAProxy logs through syslog: no file of its own to read. */
	[SRV_HAPROXY] = {
		.name = "haproxy", .renders = true, .target = TGT_HAPROXY,
		.check = debian_haproxy_check, .start = debian_haproxy_start,
		.pid_file = "/run/haproxy.pid", .master_socket = "/run/haproxy-master.sock",
		.cli_reload = true, .exe = { "haproxy" },
		.include_hint = "HAProxy: its directory in -f, CONFIG in /etc/default/haproxy",
	},
	[SRV_COMMAND] = { .name = "command" },
};

const struct server_type_info *server_type_get(enum server_type t)
{
	return (size_t)t < sizeof(types) / sizeof(types[0]) ? &types[t] : &types[SRV_COMMAND];
}

enum server_type server_type_of_target(enum target_type tt)
{
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		if (types[t].renders && types[t].target == tt)
			return (enum server_type)t;
	return SRV_COMMAND;
}

bool server_type_fits(enum server_type t, enum target_type tt)
{
	const struct server_type_info *i = server_type_get(t);

	return tt == TGT_TEMPLATE || (i->renders && i->target == tt);
}
