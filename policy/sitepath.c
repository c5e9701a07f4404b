// SPDX-License-Identifier: MIT
/* A site's per-address names: {{address}} and {{site}} in its certificate, key and issue command. */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"

const char *const path_placeholders[] = { "address", "site", NULL };

/* tmpl with {{site}} and, when addr is not NULL, {{address}} replaced. */
static int expand(const struct site *s, const char *tmpl, const char *addr, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = tmpl; *p; ) {
		const char *val = NULL;
		size_t skip = 1;

		if (addr && !strncmp(p, "{{address}}", 11)) {
			val = addr;
			skip = 11;
		} else if (!strncmp(p, "{{site}}", 8)) {
			val = s->name ? s->name : "";
			skip = 8;
		}
		size_t n = val ? strlen(val) : 1;
		if (o + n >= len)
			return -1;
		memcpy(out + o, val ? val : p, n);
		o += n;
		p += skip;
	}
	out[o] = '\0';
	return 0;
}

int site_expand(const struct site *s, const char *tmpl, const struct ipaddr *a, char *out,
		size_t len)
{
	char addr[IPADDR_STRLEN] = "";

	if (a && a->family)
		ipaddr_str(a, addr, sizeof(addr));
	return expand(s, tmpl, addr, out, len);
}

int site_expand_name(const struct site *s, const char *tmpl, char *out, size_t len)
{
	return expand(s, tmpl, NULL, out, len);
}

const char *site_cert_path(const struct site *s, const struct ipaddr *a, char *buf, size_t len)
{
	if (!s->cert_per_address || site_expand(s, s->certificate, a, buf, len) < 0)
		return s->certificate;
	return buf;
}

const char *site_key_path(const struct site *s, const struct ipaddr *a, char *buf, size_t len)
{
	if (!s->cert_per_address || site_expand(s, s->key, a, buf, len) < 0)
		return s->key;
	return buf;
}
