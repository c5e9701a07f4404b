/* SPDX-License-Identifier: MIT */
/* The state file: the live binding table, in libconfig syntax, written atomically. */
#ifndef CERTBIND_STATE_H
#define CERTBIND_STATE_H

#include <stdbool.h>
#include <time.h>

#include "netlink/ipaddr.h"
#include "policy/policy.h"

struct binding {
	char site[65];
	bool wildcard;
	struct ipaddr addr;
	unsigned port;
	char fingerprint[110];
	char state[16];          /* bound | unbound | failed | wildcard */
	long long since;
	char configured[ENDPOINT_STRLEN];   /* the policy's ADDRESS:PORT this binding came from */
	char last_event[32];     /* the site's last event and when ("": none), kept across a */
	long long last_event_at; /* restart so that status goes on saying it */
};

/* Reads the state file. Absent file: 0 with *n = 0. Unreadable/garbled: -1 and a message. */
int state_read(const char *path, struct binding **out, size_t *n, struct errlist *errs);
/* Serializes bindings (libconfig syntax, written directly); malloc'd, NUL-terminated. */
char *state_format(const struct binding *b, size_t n, size_t *len);
/* Writes atomically. Returns 0 or -errno. */
int state_write(const char *path, const struct binding *b, size_t n);

#endif
