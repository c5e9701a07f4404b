// SPDX-License-Identifier: MIT
/* libFuzzer target: the policy loader must reject or accept any text, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct errlist errs = { 0 };
	struct policy *p = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (policy_load_string(text, "fuzz.conf", &p, &errs) == 0) {
		/* Invariants of an accepted policy. */
		for (size_t i = 0; i < p->nsites; i++) {
			const struct site *s = &p->sites[i];
			if (!s->name || !s->certificate || !s->key || s->port < 1 || s->port > 65535)
				abort();
			if (s->on_change == ONC_REBIND && !s->ntargets)
				abort();
		}
		policy_free(p);
	} else if (!errs.n) {
		abort();    /* a rejection always says why */
	}
	errlist_free(&errs);
	free(text);
	return 0;
}
