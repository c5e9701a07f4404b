/* SPDX-License-Identifier: MIT */
/* The control protocol: one request line in, one JSON document out (see certbindctl(8)). */
#ifndef CERTBIND_CTLPROTO_H
#define CERTBIND_CTLPROTO_H

#include <stddef.h>

#define CTL_REQUEST_MAX 1024
#define CTL_MAX_ARGS 4

enum ctl_cmd { CTL_STATUS, CTL_SHOW, CTL_REBIND, CTL_ISSUE, CTL_RELOAD, CTL_ADDRESSES };

/* The command table, shared by the daemon's parser and certbindctl. */
struct ctl_command {
	const char *name;
	enum ctl_cmd cmd;
	int min, max;           /* arguments after the command word */
	const char *args;       /* for usage lines, e.g. "SITE [ADDRESS]" */
	const char *help;
};

extern const struct ctl_command ctl_commands[];
extern const size_t ctl_ncommands;

/* The command named name, or NULL. */
const struct ctl_command *ctl_command_find(const char *name);

struct ctl_request {
	enum ctl_cmd cmd;
	char *argv[CTL_MAX_ARGS];   /* pointers into the parsed line */
	int argc;
};

/*
 * Parses one request line (modified in place). Returns 0, or -1 with a message in err.
 * Grammar: "status" | "show SITE" | "rebind SITE [ADDRESS]" | "reload" | "addresses".
 */
int ctl_parse(char *line, struct ctl_request *r, char *err, size_t errlen);

#endif
