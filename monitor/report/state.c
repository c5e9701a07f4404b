// SPDX-License-Identifier: MIT
/* The state file: read through libconfig, formatted directly in its syntax, replaced atomically. */
#include "monitor/report/state.h"

#include <errno.h>
#include <libconfig.h>
#include <stdbool.h>
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

/* One binding from its group: false when it cannot be used (as good as none). */
static bool read_one(config_setting_t *g, struct binding *x)
{
	char addr[IPADDR_STRLEN + 1] = "";
	int port = 0;
	long long since = 0;

	/* The slot may hold what an unusable entry before it left. */
	memset(x, 0, sizeof(*x));
	if (!config_setting_is_group(g))
		return false;
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
	return x->site[0] && x->port && (x->wildcard || ipaddr_parse(addr, &x->addr) == 0);
}

/* The file read, or why not: 1 read, 0 absent (not an error), -1 (errs). */
static int read_file(config_t *cfg, const char *path, struct errlist *errs)
{
	if (config_read_file(cfg, path) == CONFIG_TRUE)
		return 1;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO && errno == ENOENT)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		errlist_add(errs, "%s: cannot read: %s", path, strerror(errno));
	else
		errlist_add(errs, "%s:%d: %s", path, config_error_line(cfg), config_error_text(cfg));
	return -1;
}

int state_read(const char *path, struct binding **out, size_t *n, struct errlist *errs)
{
	config_t cfg;
	config_setting_t *list;
	struct binding *b;
	int rc, cnt;

	*out = NULL;
	*n = 0;
	config_init(&cfg);
	rc = read_file(&cfg, path, errs);
	list = rc > 0 ? config_lookup(&cfg, "bindings") : NULL;
	if (rc <= 0 || !list || !config_setting_is_list(list)) {
		config_destroy(&cfg);
		return rc < 0 ? -1 : 0;
	}
	cnt = config_setting_length(list);
	b = calloc((size_t)cnt + 1, sizeof(*b));
	for (int i = 0; b && i < cnt; i++)
		*n += read_one(config_setting_get_elem(list, (unsigned)i), &b[*n]);
	config_destroy(&cfg);
	*out = b;
	return b ? 0 : -1;
}

/* A libconfig string: quotes and backslashes escaped, control characters as \xNN. */
static void put_str(FILE *f, const char *key, const char *v)
{
	bool plain = true;

	for (const unsigned char *c = (const unsigned char *)v; *c && plain; c++)
		plain = *c >= 0x20 && *c != 0x7f && *c != '"' && *c != '\\';
	if (plain) {
		/* Every value certbind writes (names, addresses, fingerprints): one call. */
		fprintf(f, "    %s = \"%s\";\n", key, v);
		return;
	}
	fprintf(f, "    %s = \"", key);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\x%02x", *c);
		else
			fputc(*c, f);
	}
	fputs("\";\n", f);
}

/*
 * Formatted directly (libconfig's writer goes one character at a time: a whole state file
 * for every commit of a large renumbering), in the syntax state_read reads back.
 */
char *state_format(const struct binding *b, size_t n, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fputs("# certbind state: the live binding table. Written by certbindd; do not edit\n"
	      "# while it runs.\nbindings = (", f);
	for (size_t i = 0; i < n; i++) {
		char addr[IPADDR_STRLEN];

		if (b[i].wildcard)
			snprintf(addr, sizeof(addr), "*");
		else
			ipaddr_str(&b[i].addr, addr, sizeof(addr));
		fputs(i ? ",\n  {\n" : "\n  {\n", f);
		put_str(f, "site", b[i].site);
		put_str(f, "address", addr);
		fprintf(f, "    port = %u;\n", b[i].port);
		put_str(f, "fingerprint", b[i].fingerprint);
		put_str(f, "state", b[i].state);
		fprintf(f, "    since = %lldL;\n", b[i].since);
		put_str(f, "configured", b[i].configured);
		if (b[i].last_event[0]) {
			put_str(f, "last_event", b[i].last_event);
			fprintf(f, "    last_event_at = %lldL;\n", b[i].last_event_at);
		}
		fputs("  }", f);
	}
	fputs(" );\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
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
