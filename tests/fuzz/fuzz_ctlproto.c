// SPDX-License-Identifier: MIT
/* libFuzzer target: the control-protocol request parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/control/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CTL_REQUEST_MAX + 1], err[256];
	struct ctl_request r;

	if (size > CTL_REQUEST_MAX)
		size = CTL_REQUEST_MAX;
	memcpy(line, data, size);
	line[size] = '\0';
	if (ctl_parse(line, &r, err, sizeof(err)) == 0) {
		if (r.argc < 0 || r.argc > CTL_MAX_ARGS)
			abort();
		for (int i = 0; i < r.argc; i++)
			if (!r.argv[i] || !*r.argv[i] || strpbrk(r.argv[i], " \t\r\n"))
				abort();
	} else if (!err[0]) {
		abort();
	}
	return 0;
}
