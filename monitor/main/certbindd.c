// SPDX-License-Identifier: MIT
/* certbindd: keeps TLS certificate bindings in step with the host's addresses. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "monitor/control/control.h"
#include "monitor/core/log.h"
#include "monitor/daemon/check.h"
#include "monitor/daemon/daemon.h"

#define DEFAULT_CONFIG "/etc/certbind/certbind.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: certbindd [-c FILE] [-f] [-n] [-t] [-v] [-V] [-h]\n"
		"Keeps TLS certificate bindings (a site on ADDRESS:PORT with a certificate) in\n"
		"step with the addresses the kernel actually has.\n\n"
		"  -c, --config FILE  policy file (default %s)\n"
		"  -f, --foreground   also log to stderr (syslog is always used)\n"
		"  -n, --dry-run      decide and log every action; change no file, run no command\n"
		"  -t, --check        validate the policy, certificates and keys; exit 0 or 78\n"
		"  -v, --verbose      debug-level logging\n"
		"  -V, --version      print the version\n"
		"  -h, --help         this help\n\n"
		"Signals: HUP re-reads the policy; TERM/INT stop. See certbindd(8).\n",
		DEFAULT_CONFIG);
}

/* systemd gives services a soft limit of 1024 descriptors: take the hard limit. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "foreground", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' }, { "check", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' }, { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { .config_path = DEFAULT_CONFIG, .running = control_answers };
	bool fg = false, verbose = false, check = false;
	struct daemon d;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:fntvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config_path = optarg; break;
		case 'f': fg = true; break;
		case 'n': o.dry_run = true; break;
		case 't': check = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("certbindd %s\n", CERTBIND_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 64;
	}
	if (check)
		return check_policy(o.config_path, stdout, stderr);
	/* On a terminal, what stops the start is said there too, not only in syslog. */
	log_init("certbind", LOG_DAEMON, fg || isatty(STDERR_FILENO), verbose);
	raise_fd_limit();
	rc = daemon_init(&d, &o);
	if (rc == 0 && control_open(&d) < 0)
		rc = 71;
	if (rc == 0)
		rc = daemon_run(&d);
	/* Jobs first: an operator waiting on the control socket is told "daemon stopping". */
	daemon_stop_jobs(&d);
	control_close(&d);
	daemon_free(&d);
	return rc;
}
