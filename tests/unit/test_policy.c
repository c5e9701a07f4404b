// SPDX-License-Identifier: MIT
/* Policy loading: a full valid policy, and each validation rule's message and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "policy/policy.h"

static char tmpl_ok[64], tmpl_bad[64];

static int setup(void **state)
{
	FILE *f;

	snprintf(tmpl_ok, sizeof(tmpl_ok), "/tmp/certbind-ut-ok-%d.tmpl", getpid());
	snprintf(tmpl_bad, sizeof(tmpl_bad), "/tmp/certbind-ut-bad-%d.tmpl", getpid());
	f = fopen(tmpl_ok, "w");
	fputs("bind {{endpoint}} crt {{certificate}} # {{site}} {{fingerprint}}\n", f);
	fclose(f);
	f = fopen(tmpl_bad, "w");
	fputs("bind {{endpoint}} {{nonsense}}\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	unlink(tmpl_ok);
	unlink(tmpl_bad);
	return 0;
}

/* Loads text; returns all error messages joined by newlines (caller frees), NULL if OK. */
static char *load(const char *text, struct policy **out)
{
	struct errlist errs = { 0 };
	struct policy *p = NULL;
	char *all = NULL;
	size_t len = 0;
	FILE *f;

	if (policy_load_string(text, "test.conf", &p, &errs) == 0) {
		if (out)
			*out = p;
		else
			policy_free(p);
		return NULL;
	}
	f = open_memstream(&all, &len);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(f, "%s\n", errs.msg[i]);
	fclose(f);
	errlist_free(&errs);
	return all;
}

#define SITE_HEAD "sites = ( {\n  name = \"www\"; port = 443;\n" \
	"  certificate = \"/etc/ssl/www.pem\"; key = \"/etc/ssl/www.key\";\n"

/* Asserts that text fails and the messages contain want. */
static void expect_error(const char *text, const char *want)
{
	char *e = load(text, NULL);

	if (!e)
		fail_msg("policy accepted, expected \"%s\"", want);
	if (!strstr(e, want))
		fail_msg("expected \"%s\" in:\n%s", want, e);
	free(e);
}

static void test_full_example(void **state)
{
	char text[4096];
	struct policy *p = NULL;
	char *e;

	snprintf(text, sizeof(text),
		 "global = {\n"
		 "  state_file = \"/var/lib/certbind/state\";\n"
		 "  control_socket = \"/run/certbind/control.sock\";\n"
		 "  settle_ms = 1500; expiry_warn_days = 21;\n"
		 "  syslog = { ident = \"certbind\"; facility = \"local3\"; };\n"
		 "  metrics_file = \"/var/lib/prometheus/node-exporter/certbind.prom\";\n"
		 "  nonlocal_bind = \"enable\";\n"
		 "};\n"
		 "sites = (\n"
		 "  { name = \"www\"; address = \"10.56.65.200\"; port = 443; interface = \"eth0\";\n"
		 "    certificate = \"/etc/ssl/certs/www.pem\"; key = \"/etc/ssl/private/www.key\";\n"
		 "    server_name = \"www.myserver.com\"; on_change = \"rebind\";\n"
		 "    follow = { interface = \"eth0\"; family = \"inet\"; prefix = \"10.56.65.0/24\"; };\n"
		 "    targets = ( { type = \"nginx\"; output = \"/etc/nginx/certbind/www.conf\"; },\n"
		 "                { type = \"template\"; template = \"%s\"; output = \"/etc/haproxy/www.cfg\"; } );\n"
		 "    reload = [ \"/bin/true\", \"reload\" ]; reload_timeout_ms = 10000;\n"
		 "    verify = { enabled = true; timeout_ms = 3000; on_failure = \"alert\"; };\n"
		 "    san_check = \"require\";\n"
		 "    alert = { priority = \"crit\"; repeat_s = 60; command = [ \"/bin/true\" ]; }; },\n"
		 "  { name = \"v6\"; address = \"2001:db8::1\"; port = 8443;\n"
		 "    certificate = \"/c.pem\"; key = \"/k.pem\"; },\n"
		 "  { name = \"all\"; address = \"*\"; port = 443; certificate = \"/c.pem\"; key = \"/k.pem\"; on_change = \"ignore\"; }\n"
		 ");\n", tmpl_ok);
	e = load(text, &p);
	if (e)
		fail_msg("%s", e);
	assert_non_null(p);
	assert_int_equal(p->nsites, 3);
	assert_int_equal(p->settle_ms, 1500);
	assert_int_equal(p->syslog_facility, LOG_LOCAL3);
	assert_int_equal(p->nonlocal_bind, NLB_ENABLE);
	assert_string_equal(p->metrics_file, "/var/lib/prometheus/node-exporter/certbind.prom");
	const struct site *s = &p->sites[0];
	assert_string_equal(s->name, "www");
	assert_int_equal(s->addr.family, AF_INET);
	assert_string_equal(s->interface, "eth0");
	assert_int_equal(s->on_change, ONC_REBIND);
	assert_int_equal(s->follow.family, AF_INET);
	assert_true(s->follow.has_prefix);
	assert_int_equal(s->follow.plen, 24);
	assert_false(s->follow.same_host);      /* host_part defaults to "any" */
	assert_int_equal(s->ntargets, 2);
	assert_int_equal(s->targets[1].type, TGT_TEMPLATE);
	assert_non_null(strstr(s->targets[1].template_text, "{{endpoint}}"));
	assert_string_equal(s->reload[0], "/bin/true");
	assert_string_equal(s->reload[1], "reload");
	assert_null(s->reload[2]);
	assert_int_equal(s->on_failure, ONF_ALERT);
	assert_int_equal(s->san_check, SAN_REQUIRE);
	assert_int_equal(s->alert_priority, LOG_CRIT);
	assert_int_equal(s->alert_repeat_s, 60);
	assert_int_equal(p->sites[1].addr.family, AF_INET6);
	assert_int_equal(p->sites[1].on_change, ONC_ALERT);          /* default */
	assert_int_equal(p->sites[1].verify_timeout_ms, 3000);       /* default */
	assert_true(p->sites[2].wildcard);
	policy_free(p);
}

static void test_defaults(void **state)
{
	struct policy *p = NULL;
	char *e = load(SITE_HEAD "  address = \"192.0.2.1\"; } );\n", &p);

	if (e)
		fail_msg("%s", e);
	assert_string_equal(p->state_file, "/var/lib/certbind/state");
	assert_string_equal(p->control_socket, "/run/certbind/control.sock");
	assert_int_equal(p->settle_ms, 1500);
	assert_int_equal(p->expiry_warn_days, 21);
	assert_int_equal(p->nonlocal_bind, NLB_CHECK);
	assert_int_equal(p->sites[0].on_change, ONC_ALERT);
	assert_int_equal(p->sites[0].alert_priority, LOG_WARNING);
	assert_int_equal(p->sites[0].san_check, SAN_WARN);
	assert_true(p->sites[0].verify);
	assert_null(p->metrics_file);
	policy_free(p);
}

static void test_syntax_error_line(void **state)
{
	expect_error("global = {\n  settle_ms = 10;\n  oops\n};\n", "test.conf:4: syntax error");
}

static void test_unknown_setting(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  colour = \"blue\"; } );\n",
		     "test.conf:5: unknown setting 'colour' in a site");
	expect_error("global = { settle = 5; };\nsites = ();\n",
		     "test.conf:1: unknown setting 'settle' in global");
}

static void test_wrong_type(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  reload_timeout_ms = \"10\"; } );\n",
		     "test.conf:5: 'reload_timeout_ms' must be an integer, not a string");
}

static void test_missing_required(void **state)
{
	expect_error("sites = ( {\n  name = \"www\"; port = 443;\n  key = \"/k\"; } );\n",
		     "test.conf:1: site: missing required setting 'address'");
	expect_error("sites = ( {\n  name = \"www\"; port = 443;\n  key = \"/k\"; } );\n",
		     "missing required setting 'certificate'");
	expect_error("sites = ( { address = \"192.0.2.1\"; port = 443; certificate = \"/c\"; key = \"/k\"; } );\n",
		     "missing required setting 'name'");
	expect_error("sites = ( { name = \"a\"; address = \"192.0.2.1\"; certificate = \"/c\"; key = \"/k\"; } );\n",
		     "missing required setting 'port'");
	expect_error("sites = ( { name = \"a\"; address = \"192.0.2.1\"; port = 1; certificate = \"/c\"; } );\n",
		     "missing required setting 'key'");
}

static void test_duplicate_name(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\"; },\n"
		     "{ name = \"www\"; address = \"192.0.2.2\"; port = 443; certificate = \"/c\"; key = \"/k\"; } );\n",
		     "test.conf:5: duplicate site name \"www\" (first at line 1)");
}

static void test_duplicate_endpoint(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\"; },\n"
		     "{ name = \"b\"; address = \"192.0.2.1\"; port = 443; certificate = \"/c\"; key = \"/k\"; } );\n",
		     "test.conf:5: site \"b\" uses the same address, port and server_name as site \"www\"");
	/* Same endpoint, different server_name: allowed (SNI). */
	char *e = load("sites = ( { name = \"a\"; address = \"192.0.2.1\"; port = 443; certificate = \"/c\"; key = \"/k\"; server_name = \"a.test\"; },\n"
		       "{ name = \"b\"; address = \"192.0.2.1\"; port = 443; certificate = \"/c\"; key = \"/k\"; server_name = \"b.test\"; } );\n", NULL);
	if (e)
		fail_msg("%s", e);
}

static void test_port_range(void **state)
{
	expect_error("sites = ( {\n name = \"a\"; address = \"192.0.2.1\";\n port = 70000; certificate = \"/c\"; key = \"/k\"; } );\n",
		     "test.conf:3: 'port' must be between 1 and 65535, not 70000");
	expect_error("sites = ( { name = \"a\"; address = \"192.0.2.1\"; port = 0; certificate = \"/c\"; key = \"/k\"; } );\n",
		     "'port' must be between 1 and 65535, not 0");
}

static void test_bad_address(void **state)
{
	expect_error(SITE_HEAD "  address = \"10.56.65.300\"; } );\n",
		     "test.conf:4: 'address': \"10.56.65.300\" is not an IPv4 or IPv6 address");
}

static void test_bad_prefix(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  follow = { prefix = \"192.0.2.0/33\"; }; } );\n",
		     "test.conf:5: 'prefix': \"192.0.2.0/33\" is not an address prefix");
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  follow = { prefix = \"192.0.2.1/24\"; }; } );\n",
		     "is not an address prefix (ADDRESS/LENGTH, host bits zero)");
}

static void test_host_part(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n"
		     "  follow = { host_part = \"keep\"; }; } );\n",
		     "test.conf:5: 'host_part' must be one of any | same, not \"keep\"");
}

static void test_prefix_family(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n"
		     "  follow = { family = \"inet6\"; prefix = \"192.0.2.0/24\"; }; } );\n",
		     "test.conf:5: 'prefix' 192.0.2.0/24 is not of follow.family \"inet6\"");
}

static void test_rebind_needs_targets(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\"; on_change = \"rebind\"; } );\n",
		     "test.conf:1: site \"www\": on_change = \"rebind\" needs at least one target");
}

/* failover = { ... }: the track file is required, in a directory that exists; the interval
 * has a floor; a VIP is one address with targets; nonlocal bind is warned about. */
static void test_failover(void **state)
{
	struct policy *p = NULL;
	const char *tg = "  targets = ( { type = \"nginx\"; output = \"/o\"; } );\n";
	char text[1024];

	snprintf(text, sizeof(text), SITE_HEAD "  address = \"192.0.2.100\";\n%s"
		 "  failover = { track_file = \"/tmp/vip.track\"; check_interval_ms = 250; }; } );\n",
		 tg);
	assert_null(load(text, &p));
	assert_string_equal(p->sites[0].failover.track_file, "/tmp/vip.track");
	assert_int_equal(p->sites[0].failover.check_interval_ms, 250);
	assert_int_equal(p->warnings->n, 1);
	assert_non_null(strstr(p->warnings->msg[0], "test.conf:1: site \"www\": failover without "
			       "nonlocal_bind = \"enable\""));
	policy_free(p);
	snprintf(text, sizeof(text), "global = { nonlocal_bind = \"enable\"; };\n" SITE_HEAD
		 "  address = \"192.0.2.100\";\n%s  failover = { track_file = \"/tmp/t\"; }; } );\n",
		 tg);
	assert_null(load(text, &p));
	assert_int_equal(p->sites[0].failover.check_interval_ms, 1000);
	assert_int_equal(p->warnings->n, 0);
	policy_free(p);
	snprintf(text, sizeof(text), SITE_HEAD "  address = \"192.0.2.100\";\n%s"
		 "  failover = { check_interval_ms = 500; }; } );\n", tg);
	expect_error(text, "test.conf:6: failover: missing required setting 'track_file'");
	snprintf(text, sizeof(text), SITE_HEAD "  address = \"192.0.2.100\";\n%s"
		 "  failover = { track_file = \"/nonexistent-dir/vip.track\"; }; } );\n", tg);
	expect_error(text, "test.conf:6: 'track_file': directory /nonexistent-dir: No such file");
	snprintf(text, sizeof(text), SITE_HEAD "  address = \"192.0.2.100\";\n%s"
		 "  failover = { track_file = \"/tmp/t\"; check_interval_ms = 50; }; } );\n", tg);
	expect_error(text, "test.conf:6: 'check_interval_ms'");
	snprintf(text, sizeof(text), SITE_HEAD "  address = \"*\";\n%s"
		 "  failover = { track_file = \"/tmp/t\"; }; } );\n", tg);
	expect_error(text, "'failover' needs a site with one address (the VIP)");
	expect_error(SITE_HEAD "  address = \"192.0.2.100\";\n"
		     "  failover = { track_file = \"/tmp/t\"; }; } );\n",
		     "test.conf:5: 'failover' needs a site with targets");
}

static void test_template_placeholder(void **state)
{
	char text[1024];

	snprintf(text, sizeof(text), SITE_HEAD "  address = \"192.0.2.1\";\n"
		 "  targets = ( { type = \"template\"; template = \"%s\"; output = \"/o\"; } ); } );\n",
		 tmpl_bad);
	expect_error(text, "unknown placeholder {{nonsense}}");
	expect_error(text, "test.conf:5: template");
}

static void test_relative_path(void **state)
{
	expect_error("sites = ( { name = \"a\"; address = \"192.0.2.1\"; port = 1;\n"
		     "  certificate = \"certs/www.pem\"; key = \"/k\"; } );\n",
		     "test.conf:2: 'certificate' must be an absolute path, not \"certs/www.pem\"");
	expect_error("global = { state_file = \"state\"; };\nsites = ();\n",
		     "test.conf:1: 'state_file' must be an absolute path");
}

static void test_unsafe_path(void **state)
{
	expect_error("sites = ( { name = \"a\"; address = \"192.0.2.1\"; port = 1;\n"
		     "  certificate = \"/c.pem; include /etc/passwd\"; key = \"/k\"; } );\n",
		     "test.conf:2: 'certificate' contains a character unsafe in a server configuration");
	expect_error("sites = ( { name = \"a\"; address = \"192.0.2.1\"; port = 1;\n"
		     "  certificate = \"/c.pem\\nlisten 1\"; key = \"/k\"; } );\n",
		     "contains a character unsafe");
}

static void test_command_not_executable(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  reload = [ \"nginx\", \"-s\", \"reload\" ]; } );\n",
		     "test.conf:5: 'reload': \"nginx\" is not an absolute path (commands run without a shell)");
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  reload = [ \"/nonexistent/nginx\" ]; } );\n",
		     "test.conf:5: 'reload': \"/nonexistent/nginx\" is not an executable");
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  alert = { command = [ \"notify\" ]; }; } );\n",
		     "'command': \"notify\" is not an absolute path");
}

static void test_bad_enum(void **state)
{
	expect_error(SITE_HEAD "  address = \"192.0.2.1\";\n  on_change = \"panic\"; } );\n",
		     "test.conf:5: 'on_change' must be one of alert | rebind | ignore, not \"panic\"");
}

static void test_bad_site_name(void **state)
{
	expect_error("sites = ( { name = \"w w\"; address = \"192.0.2.1\"; port = 1; certificate = \"/c\"; key = \"/k\"; } );\n",
		     "site name \"w w\" must be 1-64 characters");
}

static void test_all_errors_reported(void **state)
{
	char *e = load("sites = (\n"
		       "{ name = \"a\"; address = \"nope\"; port = 1; certificate = \"/c\"; key = \"/k\"; },\n"
		       "{ name = \"b\"; address = \"192.0.2.1\"; port = 99999; certificate = \"/c\"; key = \"/k\"; }\n"
		       ");\n", NULL);
	assert_non_null(e);
	assert_non_null(strstr(e, "test.conf:2: 'address'"));
	assert_non_null(strstr(e, "test.conf:3: 'port'"));
	free(e);
}

/* Three declared servers, each type's defaults, targets typed by their server. */
static void test_servers(void **state)
{
	struct policy *p = NULL;
	char *text = NULL, *e;

	assert_true(asprintf(&text, "servers = (\n"
		       "  { name = \"lb\"; type = \"haproxy\"; master_socket = \"/run/m.sock\";\n"
		       "    check = [ \"/bin/true\" ]; },\n"
		       "  { name = \"web\"; type = \"command\"; reload = [ \"/bin/true\" ]; }\n"
		       ");\n"
		       "sites = (\n"
		       "  { name = \"a\"; server = \"lb\"; address = \"192.0.2.1\"; port = 443;\n"
		       "    certificate = \"/c.pem\"; key = \"/c.pem.key\"; backend = \"be\";\n"
		       "    targets = ( { output = \"/etc/haproxy/certbind/a.cfg\"; } ); },\n"
		       "  { name = \"b\"; server = \"web\"; address = \"192.0.2.2\"; port = 443;\n"
		       "    certificate = \"/c.pem\"; key = \"/k\";\n"
		       "    targets = ( { output = \"/x\"; template = \"%s\"; } ); },\n"
		       "  { name = \"c\"; address = \"192.0.2.3\"; port = 443; certificate = \"/c\";\n"
		       "    key = \"/k\"; targets = ( { type = \"nginx\"; output = \"/y\"; } );\n"
		       "    reload = [ \"/bin/true\", \"x\" ]; },\n"
		       "  { name = \"d\"; address = \"192.0.2.4\"; port = 443; certificate = \"/c\";\n"
		       "    key = \"/k\"; targets = ( { type = \"nginx\"; output = \"/z\"; } );\n"
		       "    reload = [ \"/bin/true\", \"x\" ]; }\n"
		       ");\n", tmpl_ok) > 0);
	e = load(text, &p);
	free(text);
	if (e)
		fail_msg("%s", e);
	assert_int_equal(p->nservers, 3);
	const struct site *a = policy_site(p, "a"), *c = policy_site(p, "c"),
			  *d = policy_site(p, "d");
	assert_string_equal(a->server->name, "lb");
	assert_int_equal(a->targets[0].type, TGT_HAPROXY);
	assert_int_equal(a->server_type, SRV_HAPROXY);
	assert_string_equal(a->server->master_socket, "/run/m.sock");
	assert_string_equal(a->server->check[0], "/bin/true");
	assert_string_equal(a->server->start[0], "/bin/systemctl");
	assert_null(a->server->reload);   /* the master CLI's reload */
	assert_string_equal(a->server->pid_file, "/run/haproxy.pid");
	assert_int_equal(policy_site(p, "b")->targets[0].type, TGT_TEMPLATE);
	/* The shorthand: one implicit server for the same reload argv, named by it. */
	assert_ptr_equal(c->server, d->server);
	assert_true(c->server->implicit);
	assert_string_equal(c->server->name, "/bin/true x");
	assert_int_equal(c->server->type, SRV_NGINX);
	assert_null(c->server->check);
	assert_false(c->server->reload_default);   /* the operator's: run as written */
	assert_false(policy_server(p, "web")->reload_default);
	assert_int_equal(p->warnings->n, 0);
	policy_free(p);
}

static void test_server_errors(void **state)
{
	expect_error("servers = ( { name = \"x\"; type = \"command\"; reload = [ \"/bin/true\" ]; } );\n"
		     SITE_HEAD "  address = \"192.0.2.1\"; server = \"nope\"; } );\n",
		     "test.conf:2: site \"www\": no server named \"nope\" in 'servers'");
	expect_error("servers = ( { name = \"x\"; type = \"lighttpd\"; } );\n" SITE_HEAD
		     "  address = \"192.0.2.1\"; } );\n", "'type' must be one of nginx | apache | "
		     "haproxy | command");
	expect_error("servers = ( { name = \"x\"; type = \"command\"; } );\n" SITE_HEAD
		     "  address = \"192.0.2.1\"; server = \"x\"; } );\n",
		     "test.conf:1: server \"x\" of type \"command\" needs reload");
	expect_error("servers = ( { name = \"x\"; type = \"command\"; reload = [ \"/bin/true\" ]; } );\n"
		     SITE_HEAD "  address = \"192.0.2.1\"; server = \"x\";\n"
		     "  reload = [ \"/bin/true\" ]; } );\n",
		     "a site with 'server' takes its reload from the server");
	expect_error("servers = ( { name = \"x\"; type = \"command\"; reload = [ \"/bin/true\" ]; },\n"
		     "  { name = \"x\"; type = \"command\"; reload = [ \"/bin/true\" ]; } );\n"
		     SITE_HEAD "  address = \"192.0.2.1\"; } );\n", "duplicate server name \"x\"");
	/* HAProxy finds a key only beside the certificate or in it: a problem of that site
	 * alone (it is skipped, the others run), not of the policy. */
	{
		struct policy *p = NULL;
		char *e = load("sites = ( { name = \"w\"; address = \"192.0.2.1\"; port = 443;\n"
			       "  certificate = \"/c.pem\"; key = \"/private/c.key\"; backend = \"be\";\n"
			       "  targets = ( { type = \"haproxy\"; output = \"/f\"; } ); } );\n", &p);
		if (e)
			fail_msg("%s", e);
		assert_non_null(policy_site(p, "w")->unusable);
		assert_non_null(strstr(policy_site(p, "w")->unusable, "HAProxy loads a certificate's "
				       "key from the same file or from \"/c.pem.key\""));
		policy_free(p);
	}
	expect_error("sites = ( { name = \"w\"; address = \"192.0.2.1\"; port = 443;\n"
		     "  certificate = \"/c.pem\"; key = \"/c.pem\";\n"
		     "  targets = ( { type = \"haproxy\"; output = \"/f\"; } ); } );\n",
		     "a haproxy target needs backend");
	/* A declared nginx server cannot render an Apache vhost. */
	expect_error("servers = ( { name = \"x\"; type = \"nginx\"; check = [ \"/bin/true\" ];\n"
		     "  reload = [ \"/bin/true\" ]; } );\n" SITE_HEAD "  address = \"192.0.2.1\";\n"
		     "  server = \"x\"; targets = ( { type = \"apache\"; output = \"/f\"; } ); } );\n",
		     "a target of this type cannot be served by server \"x\" (type \"nginx\")");
}

static void test_server_without_sites(void **state)
{
	struct policy *p = NULL;

	assert_null(load("servers = ( { name = \"idle\"; type = \"command\";\n"
			 "  reload = [ \"/bin/true\" ]; } );\n" SITE_HEAD
			 "  address = \"192.0.2.1\"; } );\n", &p));
	assert_int_equal(p->warnings->n, 1);
	assert_string_equal(p->warnings->msg[0], "test.conf:1: server \"idle\" has no sites");
	policy_free(p);
}

/* One certificate per address, and the command that issues it. */
static void test_issue_and_placeholders(void **state)
{
	struct policy *p = NULL;
	struct ipaddr a;
	char buf[SITE_PATH_MAX], *e;

	e = load("sites = ( { name = \"www\"; address = \"192.0.2.1\"; port = 443;\n"
		 "  certificate = \"/var/lib/acme/{{address}}/cert.pem\";\n"
		 "  key = \"/var/lib/acme/private/{{address}}/{{site}}.pem\";\n"
		 "  issue = { command = [ \"/bin/true\", \"issue\", \"{{address}}\" ]; }; } );\n",
		 &p);
	if (e)
		fail_msg("%s", e);
	const struct site *s = policy_site(p, "www");
	assert_true(s->cert_per_address);
	assert_int_equal(s->issue.timeout_ms, 120000);
	assert_int_equal(s->issue.renew_before_s, RENEW_BEFORE_THIRD);
	assert_int_equal(s->issue.backoff_min_s, 60);
	ipaddr_parse("2001:db8::7", &a);
	assert_string_equal(site_cert_path(s, &a, buf, sizeof(buf)),
			    "/var/lib/acme/2001:db8::7/cert.pem");
	assert_string_equal(site_key_path(s, &a, buf, sizeof(buf)),
			    "/var/lib/acme/private/2001:db8::7/www.pem");
	assert_int_equal(site_expand(s, s->issue.command[2], &a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::7");
	policy_free(p);

	expect_error(SITE_HEAD "  address = \"192.0.2.1\"; } );\n" "x", "syntax error");
	expect_error("sites = ( { name = \"w\"; address = \"192.0.2.1\"; port = 443;\n"
		     "  certificate = \"/a/{{host}}/c.pem\"; key = \"/k\"; } );\n",
		     "test.conf:2: 'certificate': only {{address}} and {{site}} may be used here");
	expect_error("sites = ( { name = \"w\"; address = \"*\"; port = 443;\n"
		     "  certificate = \"/a/{{address}}/c.pem\"; key = \"/k\"; } );\n",
		     "{{address}} in certificate or key needs a site with one address");
	expect_error("sites = ( { name = \"w\"; address = \"192.0.2.1\"; port = 443;\n"
		     "  certificate = \"/c\"; key = \"/k\"; issue = { timeout_ms = 5; }; } );\n",
		     "'command'");
}

/* {{site}} alone is a placeholder too: expanded wherever the path is used. */
static void test_site_placeholder_alone(void **state)
{
	struct policy *p = NULL;
	struct ipaddr a;
	char buf[SITE_PATH_MAX], *e;

	e = load("sites = ( { name = \"ip\"; address = \"192.0.2.1\"; port = 443;\n"
		 "  certificate = \"/var/lib/certs/{{site}}/cert.pem\";\n"
		 "  key = \"/var/lib/certs/{{site}}/key.pem\";\n"
		 "  issue = { command = [ \"/bin/true\", \"{{site}}\" ]; }; } );\n", &p);
	if (e)
		fail_msg("%s", e);
	const struct site *s = policy_site(p, "ip");
	assert_false(s->cert_per_address);
	assert_true(s->paths_templated);
	ipaddr_parse("192.0.2.9", &a);
	assert_string_equal(site_cert_path(s, &a, buf, sizeof(buf)), "/var/lib/certs/ip/cert.pem");
	assert_string_equal(site_key_path(s, &a, buf, sizeof(buf)), "/var/lib/certs/ip/key.pem");
	assert_string_equal(s->certificate, "/var/lib/certs/ip/cert.pem");
	assert_int_equal(site_expand(s, s->issue.command[1], &a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ip");
	policy_free(p);
}

/* A site name is one safe path component: "." and ".." would step out of {{site}}. */
static void test_site_name_path_component(void **state)
{
	expect_error("sites = ( { name = \"..\"; address = \"192.0.2.1\"; port = 443;\n"
		     "  certificate = \"/c/{{site}}/c.pem\"; key = \"/k\"; } );\n",
		     "test.conf:1: site name \"..\" must be");
	expect_error("sites = ( { name = \".\"; address = \"192.0.2.1\"; port = 443;\n"
		     "  certificate = \"/c\"; key = \"/k\"; } );\n", "site name \".\" must be");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example), cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_site_placeholder_alone),
		cmocka_unit_test(test_site_name_path_component),
		cmocka_unit_test(test_syntax_error_line), cmocka_unit_test(test_unknown_setting),
		cmocka_unit_test(test_wrong_type), cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_duplicate_name), cmocka_unit_test(test_duplicate_endpoint),
		cmocka_unit_test(test_port_range), cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_bad_prefix), cmocka_unit_test(test_prefix_family),
		cmocka_unit_test(test_host_part),
		cmocka_unit_test(test_rebind_needs_targets), cmocka_unit_test(test_failover),
		cmocka_unit_test(test_template_placeholder), cmocka_unit_test(test_relative_path),
		cmocka_unit_test(test_unsafe_path), cmocka_unit_test(test_command_not_executable),
		cmocka_unit_test(test_bad_enum), cmocka_unit_test(test_bad_site_name),
		cmocka_unit_test(test_all_errors_reported), cmocka_unit_test(test_servers),
		cmocka_unit_test(test_server_errors), cmocka_unit_test(test_server_without_sites),
		cmocka_unit_test(test_issue_and_placeholders),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
