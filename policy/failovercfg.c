// SPDX-License-Identifier: MIT
/* A site's `failover` group: its address is a VIP that keepalived moves between hosts. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "policy/loadutil.h"

/* The track file's directory must exist: keepalived watches the file, certbind replaces it. */
static void check_directory(struct loader *L, const config_setting_t *at, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) < 0)
		cfg_err_at(L, at, "'track_file': directory %s: %s (create it; certbind writes the "
			   "file, keepalived reads it)", dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		cfg_err_at(L, at, "'track_file': %s is not a directory", dir);
}

void failovercfg_load(struct loader *L, const config_setting_t *g, struct site *site)
{
	static const char *const keys[] = { "track_file", "check_interval_ms", NULL };
	config_setting_t *s = cfg_member(L, g, "failover", CONFIG_TYPE_GROUP, false, NULL);

	site->failover.check_interval_ms = 1000;
	if (!s)
		return;
	cfg_check_keys(L, s, keys, "failover");
	cfg_str(L, s, "track_file", true, "failover", &site->failover.track_file);
	cfg_uint(L, s, "check_interval_ms", 100, 3600000, false, NULL,
		 &site->failover.check_interval_ms);
	if (site->failover.track_file) {
		const config_setting_t *at = config_setting_get_member(s, "track_file");
		cfg_check_path(L, s, "track_file", site->failover.track_file);
		if (site->failover.track_file[0] == '/')
			check_directory(L, at, site->failover.track_file);
	}
	if (site->wildcard)
		cfg_err_at(L, s, "'failover' needs a site with one address (the VIP), not \"*\"");
	if (!config_setting_get_member(g, "targets"))
		cfg_err_at(L, s, "'failover' needs a site with targets: certbind renders the VIP's "
			   "binding and proves it");
}

void failovercfg_warn(const struct loader *L, const struct policy *p)
{
	const struct site *first = NULL;
	size_t n = 0;

	if (p->nonlocal_bind == NLB_ENABLE)
		return;
	for (size_t i = 0; i < p->nsites; i++)
		if (p->sites[i].failover.track_file) {
			first = first ? first : &p->sites[i];
			n++;
		}
	if (!first)
		return;
	errlist_add(p->warnings, "%s:%d: site \"%s\"%s: failover without nonlocal_bind = "
		    "\"enable\": on the standby host the server cannot listen on the absent VIP (its "
		    "check and reload fail there, and the site is never ready) unless "
		    "net.ipv4.ip_nonlocal_bind (net.ipv6) is set by other means", L->path,
		    first->line, first->name, n > 1 ? " and other failover sites" : "");
}
