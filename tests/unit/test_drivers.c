// SPDX-License-Identifier: MIT
/* Drivers' readings: HAProxy's `show proc` (2.6) after a reload that took and one refused;
 * the children of a process, by which Apache's new generation is seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/rebind/apache.h"
#include "monitor/rebind/collide.h"
#include "monitor/rebind/haproxy.h"

/* Captured from haproxy 2.6.12 (Debian 12) after a reload that took. */
static const char took[] =
	"#<PID>          <type>          <reloads>       <uptime>        <version>      \n"
	"16              master          2 [failed: 0]   0d00h00m06s     2.6.12-1+deb12u4\n"
	"# workers\n"
	"240             worker          0               0d00h00m01s     2.6.12-1+deb12u4\n"
	"# old workers\n"
	"197             worker          1               0d00h00m05s     2.6.12-1+deb12u4\n"
	"# programs\n\n";

/* ... and after one that could not bind: the old worker stays, the master counts a failure. */
static const char refused[] =
	"#<PID>          <type>          <reloads>       <uptime>        <version>      \n"
	"16              master          1 [failed: 1]   0d00h00m05s     2.6.12-1+deb12u4\n"
	"# workers\n"
	"17              worker          1               0d00h00m05s     2.6.12-1+deb12u4\n"
	"# programs\n\n";

static void test_took(void **state)
{
	struct haproxy_proc p;

	assert_int_equal(haproxy_parse_proc(took, &p), 0);
	assert_int_equal(p.reloads, 2);
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.workers, 1);   /* old workers are not current ones */
	assert_int_equal(p.fresh, 1);
}

static void test_refused(void **state)
{
	struct haproxy_proc p;

	assert_int_equal(haproxy_parse_proc(refused, &p), 0);
	assert_int_equal(p.reloads, 1);
	assert_int_equal(p.failed, 1);
	assert_int_equal(p.fresh, 0);
}

static void test_not_show_proc(void **state)
{
	struct haproxy_proc p;

	assert_int_equal(haproxy_parse_proc("", &p), -1);
	assert_int_equal(haproxy_parse_proc("Unknown command. Please enter one of the following "
					    "commands only :\n", &p), -1);
}

static void test_children(void **state)
{
	pid_t kids[2], seen[8];
	int n;

	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	n = apache_children(getpid(), seen, 8);
	for (int i = 0; i < 2; i++) {
		bool found = false;
		for (int k = 0; k < n; k++)
			found |= seen[k] == kids[i];
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
		assert_true(found);
	}
	assert_int_equal(apache_children(0x3ffffff0, seen, 8), -1);
}

/* A reload gets at least four times what the check took: a large configuration parses long. */
static void test_reload_timeout_scales(void **state)
{
	struct srvop op = { .timeout_ms = 10000 };

	srvop_scale(&op, 1600);            /* 1,000 nginx server blocks: 1.6 s to check */
	assert_int_equal(op.timeout_ms, 10000);
	srvop_scale(&op, 16000);           /* 10,000 blocks: 16 s */
	assert_int_equal(op.timeout_ms, 64000);
	srvop_scale(&op, 100);             /* never lowered */
	assert_int_equal(op.timeout_ms, 64000);
}

/* Before any check of a server, its check's deadline allows 2 ms per site, times four. */
static void test_first_check_from_sites(void **state)
{
	struct server_cfg cfg = { .nsites = 10000, .reload_timeout_ms = 10000 };
	struct server srv = { .cfg = &cfg };
	struct srvop op = { .srv = &srv, .timeout_ms = 10000 };

	srvop_scale_check(&op, 0);
	assert_int_equal(op.timeout_ms, 80000);
	cfg.nsites = 100;                  /* small: reload_timeout_ms stays the floor */
	op.timeout_ms = 10000;
	srvop_scale_check(&op, 0);
	assert_int_equal(op.timeout_ms, 10000);
	op.timeout_ms = 10000;             /* known: its last check decides */
	cfg.nsites = 10000;
	srvop_scale_check(&op, 3000);
	assert_int_equal(op.timeout_ms, 12000);
}

/* Apache's Listen ADDR:443 beside Debian's `Listen 443` ([::]:443, dual-stack) collides. */
static void test_listen_collides(void **state)
{
	struct listener v[3] = { { .any = true, .port = 443 }, { .port = 80, .any = true },
				 { .port = 8443 } };
	struct ipaddr a4, a6;

	ipaddr_parse("::", &v[0].addr);
	ipaddr_parse("0.0.0.0", &v[1].addr);
	ipaddr_parse("192.0.2.9", &v[2].addr);
	ipaddr_parse("192.0.2.200", &a4);
	ipaddr_parse("2001:db8::200", &a6);
	assert_ptr_equal(collide_with(v, 3, &a4, 443), &v[0]);
	assert_ptr_equal(collide_with(v, 3, &a6, 443), &v[0]);
	assert_ptr_equal(collide_with(v, 3, &a4, 80), &v[1]);
	assert_null(collide_with(v, 3, &a6, 80));          /* an IPv4 wildcard: not IPv6 */
	assert_null(collide_with(v, 3, &a4, 8443));        /* another address: no collision */
	/* Listening there already (the server binds it): nothing new to bind. */
	v[2].addr = a4;
	v[2].port = 443;
	assert_null(collide_with(v, 3, &a4, 443));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_took), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_not_show_proc), cmocka_unit_test(test_children),
		cmocka_unit_test(test_listen_collides), cmocka_unit_test(test_reload_timeout_scales),
		cmocka_unit_test(test_first_check_from_sites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
