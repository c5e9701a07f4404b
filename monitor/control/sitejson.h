/* SPDX-License-Identifier: MIT */
/* A site as certbindctl shows it: state, why it is not bound, what comes next, its settings. */
#ifndef CERTBIND_SITEJSON_H
#define CERTBIND_SITEJSON_H

#include <json-c/json.h>
#include <stdbool.h>

#include "monitor/daemon/daemon.h"

/* Adds k: v to o (v NULL: null). */
void sitejson_str(json_object *o, const char *k, const char *v);
/* The site's object for status (detail false) or show (true). */
json_object *sitejson_site(struct daemon *d, struct siteinfo *si, bool detail);

#endif
