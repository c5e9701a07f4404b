// SPDX-License-Identifier: MIT
/* libFuzzer target: rendering any template text with any binding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/rebind/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct site s = { .name = "www", .port = 443, .certificate = "/c.pem", .key = "/k.pem",
			  .server_name = "www.example.test" };
	struct target t = { .type = TGT_TEMPLATE };
	struct render_vars v;
	struct render_bufs b;
	size_t len;
	char *out;

	t.template_text = malloc(size + 1);
	if (!t.template_text)
		return 0;
	memcpy(t.template_text, data, size);
	t.template_text[size] = '\0';
	ipaddr_parse(size % 2 ? "2001:db8::1" : "192.0.2.1", &s.addr);
	render_vars_init(&v, &b, &s, &s.addr, "SHA256:AA");
	out = render_target(&t, &v, &len);
	if (out && strlen(out) != len)
		abort();
	free(out);
	free(t.template_text);
	return 0;
}
