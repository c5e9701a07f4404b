// SPDX-License-Identifier: MIT
/* certbindctl: the operator's tool (status, show, rebind, reload, check). */
#include <errno.h>
#include <grp.h>
#include <sys/stat.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "monitor/daemon/check.h"
#include "monitor/control/ctlproto.h"
#include "netlink/ipaddr.h"

#define DEFAULT_SOCKET "/run/certbind/control.sock"
#define DEFAULT_CONFIG "/etc/certbind/certbind.conf"
#define EX_OK 0
#define EX_FAIL 1
#define EX_USAGE 64
#define EX_UNAVAILABLE 69
#define EX_CONFIG 78

static void usage(FILE *f)
{
	char cmd[64];

	fprintf(f, "usage: certbindctl [-s SOCKET] [--json] COMMAND\n");
	for (size_t i = 0; i < ctl_ncommands; i++) {
		const struct ctl_command *c = &ctl_commands[i];
		snprintf(cmd, sizeof(cmd), "%s%s%s", c->name, *c->args ? " " : "", c->args);
		fprintf(f, "  %-22s %s\n", cmd, c->help);
	}
	fprintf(f,
		"  %-22s %s\n\n"
		"  -s, --socket SOCKET    control socket (default %s)\n"
		"  -j, --json             print the daemon's JSON answer\n"
		"  -h, --help             this help\n"
		"  -V, --version          print the version\n"
		"Exit: 0 ok, 1 failed, 64 usage, 69 daemon not reachable, 78 configuration invalid.\n",
		"check [-c FILE]", "validate a policy without a running daemon", DEFAULT_SOCKET);
}

/* Refused by the socket's (or its directory's) mode: say how to get access. */
static void tell_access(const char *sock)
{
	struct stat st;
	struct group *g;
	char dir[108];
	const char *slash = strrchr(sock, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash && slash != sock ? (int)(slash - sock) : 1,
		 slash ? sock : ".");
	if ((stat(sock, &st) == 0 || stat(dir, &st) == 0) && st.st_gid != 0 &&
	    (g = getgrgid(st.st_gid)))
		fprintf(stderr, "certbindctl: the socket is for root and the group %s: join it "
			"(sudo adduser $USER %s), then log in again\n", g->gr_name, g->gr_name);
	else
		fprintf(stderr, "certbindctl: the socket is for root only: run as root, or give the "
			"service Group=certbind (systemctl edit certbindd; the Debian package does) "
			"and join that group (see certbindctl(8))\n");
}

/* A connection to the daemon's socket, or -1 (said why, and what to do). */
static int connect_to(const char *sock)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "certbindctl: socket path too long\n");
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	err = errno;
	fprintf(stderr, "certbindctl: cannot reach certbindd at %s: %s\n", sock, strerror(err));
	if (err == EACCES || err == EPERM)
		tell_access(sock);
	else
		fprintf(stderr, "certbindctl: is it running? (systemctl status certbindd)\n");
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The whole answer until the daemon closes (NUL-terminated, malloc'd), or NULL (said). */
static char *read_answer(int fd, int timeout_ms)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		if (poll(&p, 1, timeout_ms) <= 0) {
			fprintf(stderr, "certbindctl: no answer from certbindd within %d s\n",
				timeout_ms / 1000);
			break;
		}
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (len) {
			buf[len] = '\0';
			return buf;
		}
		fprintf(stderr, "certbindctl: certbindd closed the connection\n");
		break;
	}
	free(buf);
	return NULL;
}

/* Sends one request line and reads the whole answer (the daemon closes after it). */
static char *request(const char *sock, const char *line, int timeout_ms)
{
	char *answer;
	int fd = connect_to(sock);

	if (fd < 0)
		return NULL;
	/* A refusal may close the connection before the request is written: read it anyway. */
	if (dprintf(fd, "%s\n", line) < 0 && errno != EPIPE) {
		fprintf(stderr, "certbindctl: write to %s: %s\n", sock, strerror(errno));
		close(fd);
		return NULL;
	}
	answer = read_answer(fd, timeout_ms);
	close(fd);
	return answer;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

static long long num(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_int64(v) : 0;
}

static const char *date(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		return "-";
	strftime(buf, len, "%Y-%m-%dT%H:%MZ", &tm);
	return buf;
}

static void print_status(json_object *o)
{
	json_object *sites;
	char d1[32], d2[32];

	printf("%-20s %-30s %-10s %-18s %s\n", "SITE", "ENDPOINT", "STATE", "CERT-EXPIRES",
	       "LAST-EVENT");
	if (!json_object_object_get_ex(o, "sites", &sites))
		return;
	for (size_t i = 0; i < json_object_array_length(sites); i++) {
		json_object *s = json_object_array_get_idx(sites, i);
		const char *ev = str(s, "last_event");
		printf("%-20s %-30s %-10s %-18s %s%s%s%s\n", str(s, "name"), str(s, "endpoint"),
		       str(s, "state"), date(num(s, "cert_expiry"), d1, sizeof(d1)), ev ? ev : "-",
		       ev ? " (" : "", ev ? date(num(s, "last_event_at"), d2, sizeof(d2)) : "",
		       ev ? ")" : "");
	}
}

static bool is_time_key(const char *k)
{
	return !strcmp(k, "since") || !strcmp(k, "cert_expiry") || !strcmp(k, "last_event_at") ||
	       !strcmp(k, "last_proof_at") || !strcmp(k, "next_retry_at") ||
	       !strcmp(k, "reason_at");
}

static void print_show(json_object *o)
{
	json_object *s;

	if (!json_object_object_get_ex(o, "site", &s))
		return;
	json_object_object_foreach(s, key, val) {
		if (json_object_is_type(val, json_type_object)) {
			/* A group of settings (failover): one line each, as group.key. */
			json_object_object_foreach(val, k2, v2) {
				char name[64];
				snprintf(name, sizeof(name), "%s.%s", key, k2);
				printf("%-18s%s\n", name, v2 ? json_object_get_string(v2) : "-");
			}
		} else if (json_object_is_type(val, json_type_array)) {
			printf("%-18s", key);
			for (size_t i = 0; i < json_object_array_length(val); i++)
				printf("%s%s", i ? ", " : "",
				       json_object_get_string(json_object_array_get_idx(val, i)));
			printf("%s\n", json_object_array_length(val) ? "" : "(none)");
		} else if (val && is_time_key(key)) {
			char d[32];
			/* Wall-clock times as dates, as status prints them (JSON keeps the numbers). */
			printf("%-18s%s\n", key, date(json_object_get_int64(val), d, sizeof(d)));
		} else {
			printf("%-18s%s\n", key, val ? json_object_get_string(val) : "-");
		}
	}
}

static void print_addresses(json_object *o)
{
	json_object *a;

	if (!json_object_object_get_ex(o, "addresses", &a))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *x = json_object_array_get_idx(a, i);
		json_object *u;
		json_object_object_get_ex(x, "usable", &u);
		printf("%s/%lld %s%s\n", str(x, "address"), num(x, "prefixlen"),
		       str(x, "interface") ? str(x, "interface") : "?",
		       json_object_get_boolean(u) ? "" : " (not usable)");
	}
}

/* `certbindctl check [-c FILE]`: no daemon involved. */
static int run_check(int argc, char **argv)
{
	const char *cfg = DEFAULT_CONFIG;
	int c;

	optind++;
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			usage(stderr);
			return EX_USAGE;
		}
		cfg = optarg;
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	return check_policy(cfg, stdout, stderr);
}

/* Joins the command and its arguments into one request line. 0, or an exit code. */
static int build_line(int argc, char **argv, char *line, size_t len)
{
	size_t off = 0;

	for (int i = optind; i < argc; i++) {
		if (strpbrk(argv[i], " \t\r\n")) {
			fprintf(stderr, "certbindctl: argument \"%s\" contains white space\n", argv[i]);
			return EX_USAGE;
		}
		off += (size_t)snprintf(line + off, len - off, "%s%s", i > optind ? " " : "", argv[i]);
		if (off >= len) {
			fprintf(stderr, "certbindctl: request too long\n");
			return EX_USAGE;
		}
	}
	return EX_OK;
}

static void print_failure(const char *cmd, json_object *o)
{
	json_object *errs;

	fprintf(stderr, "certbindctl: %s: %s\n", cmd, str(o, "error") ? str(o, "error") : "failed");
	if (json_object_object_get_ex(o, "errors", &errs))
		for (size_t i = 0; i < json_object_array_length(errs); i++)
			fprintf(stderr, "%s\n", json_object_get_string(json_object_array_get_idx(errs, i)));
}

static void print_answer(const struct ctl_command *c, json_object *o, char **argv)
{
	/* No default: -Wswitch names this place when a command is added. */
	switch (c->cmd) {
	case CTL_STATUS:
		print_status(o);
		break;
	case CTL_SHOW:
		print_show(o);
		break;
	case CTL_ADDRESSES:
		print_addresses(o);
		break;
	case CTL_REBIND:
		printf("rebind of %s verified and committed\n", argv[optind + 1]);
		break;
	case CTL_ISSUE:
		printf("certificate for %s issued, bound and proven\n", argv[optind + 1]);
		break;
	case CTL_RELOAD:
		printf("policy reloaded\n");
		break;
	}
}

/* The exit code for a refusal: 78 invalid policy, 64 a usage error (unknown site), else 1. */
static int failure_code(const struct ctl_command *c, json_object *o)
{
	json_object *errs;
	const char *err = str(o, "error");

	if (c->cmd == CTL_RELOAD && json_object_object_get_ex(o, "errors", &errs))
		return EX_CONFIG;
	if (c->cmd == CTL_SHOW || ((c->cmd == CTL_REBIND || c->cmd == CTL_ISSUE) && err &&
				   strstr(err, "no site")))
		return EX_USAGE;
	return EX_FAIL;
}

/* Sends the request and prints the answer. Returns the exit code. */
static int run_command(const struct ctl_command *c, const char *sock, bool json, int argc,
		       char **argv)
{
	char line[CTL_REQUEST_MAX], *ans;
	json_object *o, *okv;
	int rc = build_line(argc, argv, line, sizeof(line));
	bool ok;

	if (rc != EX_OK)
		return rc;
	/* A rebind waits for reload and verification; allow for the slowest policy. */
	ans = request(sock, line, c->cmd == CTL_REBIND || c->cmd == CTL_ISSUE ? 15 * 60 * 1000
			     : 30 * 1000);
	if (!ans)
		return EX_UNAVAILABLE;
	o = json_tokener_parse(ans);
	free(ans);
	if (!o) {
		fprintf(stderr, "certbindctl: unreadable answer from certbindd\n");
		return EX_FAIL;
	}
	ok = json_object_object_get_ex(o, "ok", &okv) && json_object_get_boolean(okv);
	if (json)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (!ok)
		print_failure(c->name, o);
	else
		print_answer(c, o, argv);
	rc = ok ? EX_OK : failure_code(c, o);
	json_object_put(o);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("CERTBIND_SOCKET");
	const char *sock = env ? env : DEFAULT_SOCKET;
	const struct ctl_command *cmd;
	struct ipaddr addr;
	bool json = false;
	int c, nargs;

	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return EX_OK;
		case 'V': printf("certbindctl %s\n", CERTBIND_VERSION); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (!strcmp(argv[optind], "check"))
		return run_check(argc, argv);
	cmd = ctl_command_find(argv[optind]);
	nargs = argc - optind - 1;
	if (!cmd) {
		fprintf(stderr, "certbindctl: unknown command \"%s\" (certbindctl --help lists "
			"them)\n", argv[optind]);
		return EX_USAGE;
	}
	if (nargs < cmd->min || nargs > cmd->max) {
		fprintf(stderr, "certbindctl: %s takes %s%s\nusage: certbindctl %s%s%s\n", cmd->name,
			cmd->max ? "" : "no arguments", cmd->max ? "other arguments" : "", cmd->name,
			*cmd->args ? " " : "", cmd->args);
		return EX_USAGE;
	}
	if (cmd->cmd == CTL_REBIND && nargs == 2 && ipaddr_parse(argv[optind + 2], &addr) < 0) {
		fprintf(stderr, "certbindctl: \"%s\" is not an address: give an IPv4 address "
			"(192.0.2.10) or an IPv6 address (2001:db8::10), without brackets or port\n",
			argv[optind + 2]);
		return EX_USAGE;
	}
	return run_command(cmd, sock, json, argc, argv);
}
