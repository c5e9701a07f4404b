// SPDX-License-Identifier: MIT
/* Control request parsing (pure, so it can be fuzzed). */
#include "monitor/ctlproto.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum ctl_cmd cmd;
	int min, max;       /* arguments after the command word */
} cmds[] = {
	{ "status", CTL_STATUS, 0, 0 },
	{ "show", CTL_SHOW, 1, 1 },
	{ "rebind", CTL_REBIND, 1, 2 },
	{ "reload", CTL_RELOAD, 0, 0 },
	{ "addresses", CTL_ADDRESSES, 0, 0 },
};

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
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(words[0], cmds[i].name))
			continue;
		if (n - 1 < cmds[i].min || n - 1 > cmds[i].max) {
			snprintf(err, errlen, "%s takes %d to %d arguments", cmds[i].name, cmds[i].min,
				 cmds[i].max);
			return -1;
		}
		r->cmd = cmds[i].cmd;
		for (int k = 1; k < n; k++)
			r->argv[r->argc++] = words[k];
		return 0;
	}
	snprintf(err, errlen, "unknown command \"%.32s\"", words[0]);
	return -1;
}
