/* SPDX-License-Identifier: MIT */
/* The policy loader's helpers: typed look-ups that report "FILE:LINE: message" (internal). */
#ifndef CERTBIND_LOADUTIL_H
#define CERTBIND_LOADUTIL_H

#include <libconfig.h>
#include <stdbool.h>

#include "policy/policy.h"

struct loader {
	const char *path;
	struct errlist *errs;
	size_t nerr0;
};

/* A name the policy accepts and the value it stands for; tables end with { NULL, 0 }. */
struct name_val {
	const char *name;
	int val;
};

const char *cfg_enum_name(const struct name_val *t, int v);
void cfg_err_at(struct loader *L, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Were errors added since mark (L->errs->n then)? */
bool cfg_failed_since(const struct loader *L, size_t mark);
/* Reports every member of g whose name is not in allowed (NULL-terminated). */
void cfg_check_keys(struct loader *L, const config_setting_t *g, const char *const *allowed,
		    const char *where);
/* Looks up name in g with the expected type; reports wrong types and (if required) absence. */
config_setting_t *cfg_member(struct loader *L, const config_setting_t *g, const char *name,
			     int type, bool required, const char *where);
void cfg_str(struct loader *L, const config_setting_t *g, const char *name, bool required,
	     const char *where, char **out);
void cfg_uint(struct loader *L, const config_setting_t *g, const char *name, long long min,
	      long long max, bool required, const char *where, unsigned *out);
void cfg_bool(struct loader *L, const config_setting_t *g, const char *name, bool *out);
void cfg_enum(struct loader *L, const config_setting_t *g, const char *name,
	      const struct name_val *vals, int *out);
/* An absolute path without characters that could change a rendered configuration's meaning. */
void cfg_check_path(struct loader *L, const config_setting_t *g, const char *name,
		    const char *p);
/* An argv: a non-empty array of strings whose first is an absolute executable. */
void cfg_argv(struct loader *L, const config_setting_t *g, const char *name, char ***out);

/* sitecfg.c: one site from its group (defaults, every rule), and its release. */
void sitecfg_load(struct loader *L, const config_setting_t *g, struct site *site);
void sitecfg_free(struct site *s);

/* failovercfg.c: failover = { track_file, check_interval_ms }, and what to warn about. */
void failovercfg_load(struct loader *L, const config_setting_t *g, struct site *site);
void failovercfg_warn(const struct loader *L, const struct policy *p);

/* servercfg.c: the `servers` list, implicit servers, every site tied to its server. */
void servercfg_load(struct loader *L, const config_setting_t *root, struct policy *p);
void servercfg_free(struct server_cfg *s);


#endif
