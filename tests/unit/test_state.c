// SPDX-License-Identifier: MIT
/* The state file: what state_format writes, state_read (libconfig) reads back, field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/report/state.h"

static char path[64];

static int setup(void **state)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/certbind-test-state.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

static void write_read(const struct binding *b, size_t n, struct binding **out, size_t *nout)
{
	struct errlist errs = { 0 };

	assert_int_equal(state_write(path, b, n), 0);
	if (state_read(path, out, nout, &errs) != 0)
		fail_msg("state_read: %s", errs.n ? errs.msg[0] : "?");
	errlist_free(&errs);
}

static void test_round_trip(void **state)
{
	struct binding b[3] = { 0 }, *r = NULL;
	size_t n = 0;

	snprintf(b[0].site, sizeof(b[0].site), "www");
	ipaddr_parse("192.0.2.200", &b[0].addr);
	b[0].port = 443;
	snprintf(b[0].fingerprint, sizeof(b[0].fingerprint), "SHA256:AB:CD");
	snprintf(b[0].state, sizeof(b[0].state), "bound");
	b[0].since = 4102444800LL;              /* past 2^31: an int64 */
	snprintf(b[0].configured, sizeof(b[0].configured), "192.0.2.200:443");
	snprintf(b[0].last_event, sizeof(b[0].last_event), "rebind");
	b[0].last_event_at = 1800000000LL;
	snprintf(b[1].site, sizeof(b[1].site), "v6");
	ipaddr_parse("2001:db8::1", &b[1].addr);
	b[1].port = 8443;
	snprintf(b[1].state, sizeof(b[1].state), "standby");
	snprintf(b[1].configured, sizeof(b[1].configured), "[2001:db8::1]:8443");
	snprintf(b[2].site, sizeof(b[2].site), "odd\"name\\x\t");   /* escaped, read back */
	b[2].wildcard = true;
	b[2].port = 443;
	snprintf(b[2].state, sizeof(b[2].state), "wildcard");
	snprintf(b[2].configured, sizeof(b[2].configured), "*:443");
	write_read(b, 3, &r, &n);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].site, "www");
	assert_true(ipaddr_eq(&r[0].addr, &b[0].addr));
	assert_int_equal(r[0].port, 443);
	assert_string_equal(r[0].fingerprint, "SHA256:AB:CD");
	assert_string_equal(r[0].state, "bound");
	assert_true(r[0].since == 4102444800LL);
	assert_string_equal(r[0].configured, "192.0.2.200:443");
	assert_string_equal(r[0].last_event, "rebind");
	assert_true(r[0].last_event_at == 1800000000LL);
	assert_true(ipaddr_eq(&r[1].addr, &b[1].addr));
	assert_int_equal(r[1].port, 8443);
	assert_string_equal(r[1].state, "standby");
	assert_string_equal(r[1].last_event, "");
	assert_string_equal(r[2].site, "odd\"name\\x\t");
	assert_true(r[2].wildcard);
	free(r);
	/* No bindings at all: still a file libconfig reads. */
	write_read(b, 0, &r, &n);
	assert_int_equal(n, 0);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
