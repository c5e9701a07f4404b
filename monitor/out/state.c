// SPDX-License-Identifier: MIT
/* State file reading and writing through libconfig, replaced atomically via fileio. */
#include "monitor/out/state.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/core/fileio.h"

static void copy_str(config_setting_t *g, const char *name, char *dst, size_t len)
{
	const char *v = NULL;

	if (config_setting_lookup_string(g, name, &v) == CONFIG_TRUE)
		snprintf(dst, len, "%s", v);
}

int state_read(const char *path, struct binding **out, size_t *n, struct errlist *errs)
{
	config_t cfg;
	config_setting_t *list;
	struct binding *b = NULL;
	int rc = -1, cnt;

	*out = NULL;
	*n = 0;
	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO && errno == ENOENT)
			rc = 0;
		else if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			errlist_add(errs, "%s: cannot read: %s", path, strerror(errno));
		else
			errlist_add(errs, "%s:%d: %s", path, config_error_line(&cfg),
				    config_error_text(&cfg));
		goto out;
	}
	list = config_lookup(&cfg, "bindings");
	if (!list || !config_setting_is_list(list)) {
		rc = 0;
		goto out;
	}
	cnt = config_setting_length(list);
	b = calloc((size_t)cnt + 1, sizeof(*b));
	if (!b)
		goto out;
	for (int i = 0; i < cnt; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct binding *x = &b[*n];
		char addr[IPADDR_STRLEN + 1] = "";
		int port = 0;
		long long since = 0;

		if (!config_setting_is_group(g))
			continue;
		copy_str(g, "site", x->site, sizeof(x->site));
		copy_str(g, "address", addr, sizeof(addr));
		copy_str(g, "fingerprint", x->fingerprint, sizeof(x->fingerprint));
		copy_str(g, "state", x->state, sizeof(x->state));
		copy_str(g, "configured", x->configured, sizeof(x->configured));
		copy_str(g, "last_event", x->last_event, sizeof(x->last_event));
		config_setting_lookup_int64(g, "last_event_at", &x->last_event_at);
		config_setting_lookup_int(g, "port", &port);
		config_setting_lookup_int64(g, "since", &since);
		x->port = port > 0 && port < 65536 ? (unsigned)port : 0;
		x->since = since;
		x->wildcard = !strcmp(addr, "*");
		if (!x->site[0] || !x->port || (!x->wildcard && ipaddr_parse(addr, &x->addr) < 0))
			continue;   /* an entry we cannot use is as good as none */
		(*n)++;
	}
	*out = b;
	b = NULL;
	rc = 0;
out:
	free(b);
	config_destroy(&cfg);
	return rc;
}

char *state_format(const struct binding *b, size_t n, size_t *len)
{
	config_t cfg;
	config_setting_t *list;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	config_init(&cfg);
	list = config_setting_add(config_root_setting(&cfg), "bindings", CONFIG_TYPE_LIST);
	for (size_t i = 0; list && i < n; i++) {
		config_setting_t *g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		char addr[IPADDR_STRLEN];

		if (b[i].wildcard)
			snprintf(addr, sizeof(addr), "*");
		else
			ipaddr_str(&b[i].addr, addr, sizeof(addr));
		config_setting_set_string(config_setting_add(g, "site", CONFIG_TYPE_STRING),
					  b[i].site);
		config_setting_set_string(config_setting_add(g, "address", CONFIG_TYPE_STRING),
					  addr);
		config_setting_set_int(config_setting_add(g, "port", CONFIG_TYPE_INT),
				       (int)b[i].port);
		config_setting_set_string(config_setting_add(g, "fingerprint", CONFIG_TYPE_STRING),
					  b[i].fingerprint);
		config_setting_set_string(config_setting_add(g, "state", CONFIG_TYPE_STRING),
					  b[i].state);
		config_setting_set_int64(config_setting_add(g, "since", CONFIG_TYPE_INT64),
					 b[i].since);
		config_setting_set_string(config_setting_add(g, "configured", CONFIG_TYPE_STRING),
					  b[i].configured);
		if (b[i].last_event[0]) {
			config_setting_set_string(config_setting_add(g, "last_event",
								     CONFIG_TYPE_STRING), b[i].last_event);
			config_setting_set_int64(config_setting_add(g, "last_event_at",
								    CONFIG_TYPE_INT64), b[i].last_event_at);
		}
	}
	f = open_memstream(&buf, &size);
	if (f) {
		fputs("# certbind state: the live binding table. Written by certbindd; do not edit\n"
		      "# while it runs.\n", f);
		config_write(&cfg, f);
		if (fclose(f) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	config_destroy(&cfg);
	*len = size;
	return buf;
}

int state_write(const char *path, const struct binding *b, size_t n)
{
	size_t len;
	char *buf = state_format(b, n, &len);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = file_replace(path, buf, len, 0644);
	free(buf);
	return rc;
}
