// SPDX-License-Identifier: MIT
/* The server's words to the sites of a failed batch: endpoints and files, named whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/rebind/culprit.h"

static struct target tgt[3] = {
	{ .output = "/etc/nginx/certbind/s2.conf" },
	{ .output = "/etc/nginx/certbind/s20.conf" },
	{ .output = "/etc/haproxy/certbind/s2.cfg" },
};
static struct site s2 = { .name = "s2", .port = 443, .certificate = "/etc/certs/s2.pem",
			  .key = "/etc/certs/s2.key", .targets = &tgt[0], .ntargets = 1 };
static struct site s20 = { .name = "s20", .port = 443, .certificate = "/etc/certs/s20.pem",
			   .key = "/etc/certs/s20.key", .targets = &tgt[1], .ntargets = 1 };
static struct site h2 = { .name = "h2", .port = 8443, .certificate = "/etc/haproxy/h2.pem",
			  .key = "/etc/haproxy/h2.pem.key", .targets = &tgt[2], .ntargets = 1 };

static struct pipe_item item(const struct site *s, const char *to)
{
	struct pipe_item it = { .site = s };

	assert_int_equal(ipaddr_parse(to, &it.to), 0);
	return it;
}

static const char *named(const char *text, const struct pipe_item *it)
{
	static char buf[400];

	return culprit_line(text, it, buf, sizeof(buf));
}

static void test_endpoints_whole(void **state)
{
	struct pipe_item a = item(&s2, "198.51.100.2"), b = item(&s20, "198.51.100.20");
	const char *nginx = "2026/12/03 08:02:56 [notice] 9811#9811: reconfiguring\n"
			    "2026/12/03 08:02:56 [emerg] 9811#9811: bind() to 198.51.100.20:443 "
			    "failed (98: Address already in use)\n";

	assert_null(named(nginx, &a));        /* .2:443 is not .20:443 */
	assert_string_equal(named(nginx, &b),
			    "[emerg] bind() to 198.51.100.20:443 failed (98: Address already in use)");
	/* Apache, time stamp and pid dropped. */
	const char *apache = "[Thu Dec 03 08:00:00.123456 2026] [core:emerg] [pid 77:tid 77] (98)"
			     "Address already in use: AH00072: make_sock: could not bind to address "
			     "198.51.100.20:443\n";
	assert_string_equal(named(apache, &b), "[core:emerg] (98)Address already in use: AH00072: "
			    "make_sock: could not bind to address 198.51.100.20:443");
	assert_null(named(apache, &a));
	/* HAProxy brackets the endpoint; IPv6 endpoints are bracketed themselves. */
	struct pipe_item h = item(&h2, "2001:db8::2");
	assert_non_null(named("[ALERT] (1) : Starting frontend fe_h2: cannot bind socket (Address "
			      "already in use) [[2001:db8::2]:8443]\n", &h));
	assert_null(named("cannot bind socket [[2001:db8::22]:8443]\n", &h));
	assert_null(named("cannot bind socket [198.51.100.2:4433]\n", &a));
	assert_non_null(named("cannot bind socket [198.51.100.2:443]\n", &a));
}

static void test_files_whole(void **state)
{
	struct pipe_item a = item(&s2, "198.51.100.2"), b = item(&s20, "198.51.100.20");
	struct pipe_item h = item(&h2, "198.51.100.2");
	const char *cert = "nginx: [emerg] cannot load certificate \"/etc/certs/s20.pem\": "
			   "PEM_read_bio_X509() failed";

	assert_non_null(named(cert, &b));
	assert_null(named(cert, &a));
	/* A rendered file's line: nginx "FILE:3", Apache "of FILE:", HAProxy "[FILE:3]". */
	assert_non_null(named("nginx: [emerg] unknown directive \"x\" in "
			      "/etc/nginx/certbind/s2.conf:3", &a));
	assert_null(named("nginx: [emerg] unknown directive \"x\" in "
			  "/etc/nginx/certbind/s20.conf:3", &a));
	assert_non_null(named("AH00526: Syntax error on line 3 of /etc/nginx/certbind/s2.conf: "
			      "Invalid command 'x'", &a));
	assert_non_null(named("[ALERT] (1) : config : parsing [/etc/haproxy/certbind/s2.cfg:2] : "
			      "unknown keyword", &h));
	/* HAProxy's key beside the certificate is another file. */
	assert_non_null(named("unable to load '/etc/haproxy/h2.pem.key'", &h));
	assert_null(named("unable to load '/etc/certs/s2.pem.bak'", &a));
}

static void test_mark_and_explain(void **state)
{
	struct pipe_item v[3] = { item(&s2, "198.51.100.2"), item(&s20, "198.51.100.20"),
				  item(&h2, "198.51.100.3") };
	bool pend[3] = { true, true, false };

	for (int i = 0; i < 3; i++)
		v[i].outcome = PO_FAILED;
	culprit_mark(v, 3, pend, NULL, "x [emerg] bind() to 198.51.100.20:443 failed\n",
		     "refused: ");
	assert_true(v[0].again);
	assert_false(v[1].again);
	assert_string_equal(v[1].reason, "refused: x [emerg] bind() to 198.51.100.20:443 failed");
	assert_false(v[2].again);          /* not in that step */
	strcpy(v[0].reason, "nothing listens");
	culprit_explain(v, 1, "[emerg] bind() to 198.51.100.2:443 failed");
	assert_string_equal(v[0].reason, "nothing listens; the server's error log: [emerg] bind() "
			    "to 198.51.100.2:443 failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints_whole),
		cmocka_unit_test(test_files_whole),
		cmocka_unit_test(test_mark_and_explain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
