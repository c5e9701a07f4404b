// SPDX-License-Identifier: MIT
/* Control request parsing (pure, so it can be fuzzed). */
#include "monitor/control/ctlproto.h"

#include <stdio.h>
#include <string.h>

const struct ctl_command ctl_commands[] = {
	{ "status", CTL_STATUS, 0, 0, "", "one line per site: endpoint, state, expiry, last event" },
	{ "show", CTL_SHOW, 1, 1, "SITE", "everything known about a site, with candidate addresses" },
	{ "rebind", CTL_REBIND, 1, 2, "SITE [ADDRESS]",
	  "rebind now (verified; exit 1 if it failed and rolled back)" },
	{ "issue", CTL_ISSUE, 1, 1, "SITE",
	  "issue a certificate for the site's address now, bind and prove it (exit 1 if not)" },
	{ "reload", CTL_RELOAD, 0, 0, "", "re-read the policy (as SIGHUP); exit 78 if it is invalid" },
	{ "addresses", CTL_ADDRESSES, 0, 0, "", "the daemon's view of the host's addresses" },
};
const size_t ctl_ncommands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);

const struct ctl_command *ctl_command_find(const char *name)
{
	for (size_t i = 0; i < ctl_ncommands; i++)
		if (!strcmp(ctl_commands[i].name, name))
			return &ctl_commands[i];
	return NULL;
}

int ctl_parse(char *line, struct ctl_request *r, char *err, size_t errlen)
{
	char *words[CTL_MAX_ARGS + 2], *save = NULL, *w;
	int n = 0;

	memset(r, 0, sizeof(*r));
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r') {
			snprintf(err, errlen, "request contains control characters");
			return -1;
		}
	for (w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == CTL_MAX_ARGS + 1) {
			snprintf(err, errlen, "too many arguments");
			return -1;
		}
		words[n++] = w;
	}
	if (!n) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	const struct ctl_command *c = ctl_command_find(words[0]);
	if (!c) {
		snprintf(err, errlen, "unknown command \"%.32s\"", words[0]);
		return -1;
	}
	if (n - 1 < c->min || n - 1 > c->max) {
		snprintf(err, errlen, "%s takes %d to %d arguments", c->name, c->min, c->max);
		return -1;
	}
	r->cmd = c->cmd;
	for (int k = 1; k < n; k++)
		r->argv[r->argc++] = words[k];
	return 0;
}
